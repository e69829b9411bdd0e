/*
 * adapters._book.route_binance: a Binance spot depth frame, from its bytes into the
 * instrument's tracker in one call.
 *
 * Why hand-written: on a ~5-level diff, msgspec's typed decode of the envelope (a
 * Struct, its strings and ints) and the interpreter's glue around it (the symbol's
 * lookup, the synced test, eight arguments boxed into the tracker's call) cost more than
 * the update itself, and no library parses a frame into C values. So the frame exactly
 * as Binance sends it -- {"stream":..,"data":{"e":"depthUpdate","E":..,"s":..,"U":..,
 * "u":..,"b":[..],"a":[..]}}, those keys in that order, JSON whitespace allowed, plain
 * ASCII strings, non-negative integers of at most 18 digits, levels in the strict
 * grammar of _levels.c -- is read here, and anything else at all (another key or
 * order, an escape, a quoted or huge number, another event) is "not mine": None, and
 * the feed's msgspec path takes the frame as before. Nothing is applied unless the
 * whole frame was read. adapters.tracker_py.route_binance is the reference (msgspec's
 * decode of the same frame), tested against this in tests/unit/test_feed_fast_path.py.
 *
 * route_binance(instruments, frame, recv_ns, recv_mono) ->
 *   the InstrumentState       the update applied (its `frames` counted)
 *   (CROSSED, state, None)    applied, and the book is crossed: the feed's to handle
 *   (SKIP, state, None)       already covered by the book: counted, nothing to do
 *   None                      nothing applied: the feed's ordinary path takes the frame
 */
#include "_json.h"

enum { APPLIED = 0, SKIP = 1, CROSSED = 4 };


typedef struct {
    const char *sym;
    Py_ssize_t sym_n;
    long long exch_ms, first, last;
} Head;

/* 1: the whole frame read; 0: not this grammar; -1: error set (no memory). */
static int read_frame(const char *p, const char *end, Head *h, Pairs *bids, Pairs *asks) {
    const char *s;
    Py_ssize_t n;
    int error = 0;
    p = ws(p, end);
    if (p >= end || *p != '{')
        return 0;
    if ((p = key(p + 1, end, "stream")) == NULL || (p = text(p, end, &s, &n)) == NULL ||
        (p = comma(p, end)) == NULL || (p = key(p, end, "data")) == NULL)
        return 0;
    if (p >= end || *p != '{')
        return 0;
    if ((p = key(p + 1, end, "e")) == NULL || (p = text(p, end, &s, &n)) == NULL || n != 11 ||
        memcmp(s, "depthUpdate", 11) != 0)
        return 0;
    if ((p = comma(p, end)) == NULL || (p = key(p, end, "E")) == NULL ||
        (p = integer(p, end, &h->exch_ms)) == NULL)
        return 0;
    if ((p = comma(p, end)) == NULL || (p = key(p, end, "s")) == NULL ||
        (p = text(p, end, &h->sym, &h->sym_n)) == NULL)
        return 0;
    if ((p = comma(p, end)) == NULL || (p = key(p, end, "U")) == NULL ||
        (p = integer(p, end, &h->first)) == NULL)
        return 0;
    if ((p = comma(p, end)) == NULL || (p = key(p, end, "u")) == NULL ||
        (p = integer(p, end, &h->last)) == NULL)
        return 0;
    if ((p = comma(p, end)) == NULL || (p = key(p, end, "b")) == NULL ||
        (p = levels_scan(p, end, bids, 0, &error)) == NULL)
        return error ? -1 : 0;
    if ((p = comma(p, end)) == NULL || (p = key(p, end, "a")) == NULL ||
        (p = levels_scan(p, end, asks, 0, &error)) == NULL)
        return error ? -1 : 0;
    p = ws(p, end);
    if (p >= end || *p != '}')
        return 0;
    p = ws(p + 1, end);
    if (p >= end || *p != '}')
        return 0;
    return ws(p + 1, end) == end;
}

static PyObject *route_binance(PyObject *Py_UNUSED(m), PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "route_binance(instruments, frame, recv_ns, recv_mono)");
        return NULL;
    }
    PyObject *instruments = args[0], *frame = args[1];
    long long recv_ns, recv_mono;
    int ok = route_args(instruments, frame, args[2], args[3], &recv_ns, &recv_mono);
    if (ok <= 0)
        return ok < 0 ? NULL : Py_NewRef(Py_None);
    Head h;
    Pairs bids, asks;
    pairs_init(&bids);
    pairs_init(&asks);
    PyObject *result = NULL, *sym = NULL, *st = NULL, *core = NULL;
    const char *buf = PyBytes_AS_STRING(frame);
    int read = read_frame(buf, buf + PyBytes_GET_SIZE(frame), &h, &bids, &asks);
    if (read <= 0) {
        result = read < 0 ? NULL : Py_NewRef(Py_None);
        goto done;
    }
    int found = synced_state(instruments, h.sym, h.sym_n, &sym, &st);
    if (found <= 0) {
        result = found < 0 ? NULL : Py_NewRef(Py_None);
        goto done;
    }
    if ((core = PyObject_GetAttr(st, s_core)) == NULL)
        goto done;
    int v = tracker_step_staged(core, h.last, h.first, -1 /* NO_SEQ */, h.exch_ms, recv_ns,
                                recv_mono, &bids, &asks);
    if (v == -1)
        goto done;
    if (v != APPLIED && v != CROSSED && v != SKIP) { /* a gap, a pure tracker */
        result = Py_NewRef(Py_None);
        goto done;
    }
    if (bump(st, s_frames) < 0)
        goto done;
    /* A skipped update changed nothing; an empty one is the venue saying the book is
     * current (the feed's _not_applied, which the general path would run). */
    if (v == SKIP && bids.n == 0 && asks.n == 0 &&
        PyObject_SetAttr(core, s_last_update_mono, args[3]) < 0)
        goto done;
    if (v == APPLIED) {
        result = Py_NewRef(st);
    } else {
        PyObject *verdict = PyLong_FromLong(v);
        if (verdict != NULL)
            result = PyTuple_Pack(3, verdict, st, Py_None);
        Py_XDECREF(verdict);
    }
done:
    pairs_free(&bids);
    pairs_free(&asks);
    Py_XDECREF(sym);
    Py_XDECREF(st);
    Py_XDECREF(core);
    return result;
}

/* parse_binance(frame): (symbol, E, U, u, bids, asks) as route_binance reads it, or
 * None when it does not. For tests (the router makes none of these objects). */
static PyObject *parse_binance(PyObject *Py_UNUSED(m), PyObject *frame) {
    if (!PyBytes_Check(frame)) {
        PyErr_SetString(PyExc_TypeError, "parse_binance(bytes)");
        return NULL;
    }
    Head h;
    Pairs bids, asks;
    pairs_init(&bids);
    pairs_init(&asks);
    const char *buf = PyBytes_AS_STRING(frame);
    int read = read_frame(buf, buf + PyBytes_GET_SIZE(frame), &h, &bids, &asks);
    PyObject *out = NULL;
    if (read == 0)
        out = Py_NewRef(Py_None);
    if (read == 1) {
        PyObject *lists[2] = {PyList_New(bids.n), PyList_New(asks.n)};
        const Pairs *pairs[2] = {&bids, &asks};
        int bad = 0;
        for (int k = 0; k < 2; k++) {
            if (lists[k] == NULL) {
                bad = 1;
                continue;
            }
            for (Py_ssize_t j = 0; j < pairs[k]->n && !bad; j++) {
                PyObject *t = Py_BuildValue("(dd)", pairs[k]->v[j].price, pairs[k]->v[j].qty);
                if (t == NULL)
                    bad = 1;
                else
                    PyList_SET_ITEM(lists[k], j, t);
            }
        }
        if (!bad)
            out = Py_BuildValue("(s#LLLOO)", h.sym, h.sym_n, h.exch_ms, h.first, h.last, lists[0],
                                lists[1]);
        Py_XDECREF(lists[0]);
        Py_XDECREF(lists[1]);
    }
    pairs_free(&bids);
    pairs_free(&asks);
    return out;
}

static PyMethodDef methods[] = {
    {"route_binance", (PyCFunction)(void (*)(void))route_binance, METH_FASTCALL,
     "a Binance spot depth frame into its instrument's tracker: the state, a tuple or None"},
    {"parse_binance", (PyCFunction)parse_binance, METH_O,
     "what route_binance reads from a frame: (symbol, E, U, u, bids, asks) or None"},
    {NULL},
};

PyObject *s_synced, *s_core, *s_frames, *s_checksum_ok, *s_last_update_mono;

int json_init(void) {
    if (s_synced != NULL)
        return 0;
    if ((s_synced = PyUnicode_InternFromString("synced")) == NULL ||
        (s_core = PyUnicode_InternFromString("core")) == NULL ||
        (s_frames = PyUnicode_InternFromString("frames")) == NULL ||
        (s_checksum_ok = PyUnicode_InternFromString("checksum_ok")) == NULL ||
        (s_last_update_mono = PyUnicode_InternFromString("last_update_mono")) == NULL)
        return -1;
    return 0;
}

int binance_add(PyObject *module) {
    if (json_init() < 0)
        return -1;
    return PyModule_AddFunctions(module, methods);
}
