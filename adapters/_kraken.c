/*
 * adapters._book.route_kraken: a Kraken v2 book update, from its bytes into the
 * instrument's tracker, checksum verified, in one call.
 *
 * Why hand-written: the same as adapters/_binance.c -- msgspec's typed decode of the
 * envelope and the interpreter's glue around it cost more than the update. The frame
 * exactly as Kraken sends it -- {"channel":"book","type":"update","data":[{"symbol":..,
 * "bids":[{"price":..,"qty":..}],"asks":[..],"checksum":..,"timestamp":".."}]}, those
 * keys in that order, one book, JSON whitespace allowed, plain ASCII strings -- is read
 * here; anything else is "not mine" (None) and the feed's msgspec path takes the frame
 * as before. Nothing is applied unless the whole frame was read, the precisions are
 * known and the timestamp is one the tracker reads.
 *
 * route_kraken(checksum_spec, instruments, frame, recv_ns, recv_mono) ->
 *   the InstrumentState          applied, checksum verified (`frames`, `checksum_ok`)
 *   (CROSSED, state, checksum)   applied and verified, and the book is crossed
 *   (CHECKSUM, state, checksum)  applied, and the book's checksum differs
 *   None                         nothing applied: the feed's ordinary path takes it
 * checksum_spec is the venue's (Venue.checksum_spec): (n, price places, qty places).
 */
#include "_json.h"

enum { APPLIED = 0, CROSSED = 4, CHECKSUM = 6 };

typedef struct {
    const char *sym, *ts;
    Py_ssize_t sym_n, ts_n;
    long long checksum;
} Head;

static int is(const char *s, Py_ssize_t n, const char *want) {
    return (size_t)n == strlen(want) && memcmp(s, want, (size_t)n) == 0;
}

/* 1: the whole frame read; 0: not this grammar; -1: error set (no memory). */
static int read_frame(const char *p, const char *end, Head *h, Pairs *bids, Pairs *asks) {
    const char *s;
    Py_ssize_t n;
    int error = 0;
    p = ws(p, end);
    if (p >= end || *p != '{')
        return 0;
    if ((p = key(p + 1, end, "channel")) == NULL || (p = text(p, end, &s, &n)) == NULL ||
        !is(s, n, "book"))
        return 0;
    if ((p = comma(p, end)) == NULL || (p = key(p, end, "type")) == NULL ||
        (p = text(p, end, &s, &n)) == NULL || !is(s, n, "update"))
        return 0;
    if ((p = comma(p, end)) == NULL || (p = key(p, end, "data")) == NULL || p >= end || *p != '[')
        return 0;
    p = ws(p + 1, end);
    if (p >= end || *p != '{')
        return 0;
    if ((p = key(p + 1, end, "symbol")) == NULL || (p = text(p, end, &h->sym, &h->sym_n)) == NULL)
        return 0;
    if ((p = comma(p, end)) == NULL || (p = key(p, end, "bids")) == NULL ||
        (p = levels_scan(p, end, bids, 1, &error)) == NULL)
        return error ? -1 : 0;
    if ((p = comma(p, end)) == NULL || (p = key(p, end, "asks")) == NULL ||
        (p = levels_scan(p, end, asks, 1, &error)) == NULL)
        return error ? -1 : 0;
    if ((p = comma(p, end)) == NULL || (p = key(p, end, "checksum")) == NULL ||
        (p = integer(p, end, &h->checksum)) == NULL)
        return 0;
    if ((p = comma(p, end)) == NULL || (p = key(p, end, "timestamp")) == NULL ||
        (p = text(p, end, &h->ts, &h->ts_n)) == NULL)
        return 0;
    for (int close = 0; close < 3; close++) { /* the book, the data array, the message */
        p = ws(p, end);
        if (p >= end || *p != "}]}"[close])
            return 0;
        p++;
    }
    return ws(p, end) == end;
}

/* (n, pp, qp) from the venue's spec; 0 when there is none yet or it is out of range. */
static int spec_of(PyObject *spec_fn, PyObject *sym, Py_ssize_t *n, int *pp, int *qp) {
    PyObject *spec = PyObject_CallOneArg(spec_fn, sym);
    if (spec == NULL)
        return -1;
    int ok = 0;
    if (PyTuple_CheckExact(spec) && PyTuple_GET_SIZE(spec) == 3) {
        long long v[3];
        ok = 1;
        for (int i = 0; i < 3 && ok; i++) {
            int r = as_ll(PyTuple_GET_ITEM(spec, i), &v[i]);
            if (r < 0) {
                Py_DECREF(spec);
                return -1;
            }
            ok = r == 1 && v[i] >= 0 && v[i] <= 1000000;
        }
        if (ok) {
            *n = (Py_ssize_t)v[0];
            *pp = (int)v[1];
            *qp = (int)v[2];
        }
    }
    Py_DECREF(spec);
    return ok;
}

static PyObject *route_kraken(PyObject *Py_UNUSED(m), PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError,
                        "route_kraken(checksum_spec, instruments, frame, recv_ns, recv_mono)");
        return NULL;
    }
    PyObject *spec_fn = args[0], *instruments = args[1], *frame = args[2];
    long long recv_ns, recv_mono;
    int ok = route_args(instruments, frame, args[3], args[4], &recv_ns, &recv_mono);
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
    Py_ssize_t n;
    int pp, qp;
    int known = spec_of(spec_fn, sym, &n, &pp, &qp);
    if (known <= 0) { /* no precisions yet: the ordinary path counts it unverified */
        result = known < 0 ? NULL : Py_NewRef(Py_None);
        goto done;
    }
    if ((core = PyObject_GetAttr(st, s_core)) == NULL)
        goto done;
    int v = tracker_step_checked_staged(core, h.ts, h.ts_n, recv_ns, recv_mono, &bids, &asks,
                                        h.checksum, n, pp, qp);
    if (v == -1)
        goto done;
    if (v != APPLIED && v != CROSSED && v != CHECKSUM) { /* unparsed time, a pure tracker */
        result = Py_NewRef(Py_None);
        goto done;
    }
    if (bump(st, s_frames) < 0 || (v != CHECKSUM && bump(st, s_checksum_ok) < 0))
        goto done;
    if (v == APPLIED) {
        result = Py_NewRef(st);
    } else {
        result = Py_BuildValue("(iOL)", v, st, h.checksum);
    }
done:
    pairs_free(&bids);
    pairs_free(&asks);
    Py_XDECREF(sym);
    Py_XDECREF(st);
    Py_XDECREF(core);
    return result;
}

static PyMethodDef methods[] = {
    {"route_kraken", (PyCFunction)(void (*)(void))route_kraken, METH_FASTCALL,
     "a Kraken v2 book update into its instrument's tracker: the state, a tuple or None"},
    {NULL},
};

int kraken_add(PyObject *module) {
    if (json_init() < 0)
        return -1;
    return PyModule_AddFunctions(module, methods);
}
