/*
 * adapters._book.Tracker: one instrument's book and everything the feed touches per
 * update, applied in one call.
 *
 * Why: with the book native, the feed's own Python per update (the sequence rule, a
 * dozen counter and clock stores, the latency ring) cost as much as the book itself.
 * A venue whose continuity rule is one of the few shapes below declares it as data
 * (Venue.sequence_rule), and step() does the verdict, both sides, the truncation, the
 * crossed check, the counters and the latency sample at once, returning a small int;
 * the feed handles the rare outcomes (gap, skip, crossed, refused levels) in Python
 * exactly as before. A venue with a rule of its own calls force() after deciding.
 * adapters/tracker_py.py is the reference, tested against this step by step.
 *
 * Levels are staged before anything is applied, so an update whose levels are refused
 * (a NaN price, or bytes the native parser does not take) changes nothing at all.
 */
#include "_book.h"

#define LATENCY_RING 512 /* a power of two; the same as adapters.tracker_py */

/* Rules (adapters.sequence.RULES) and verdicts (adapters.sequence). */
enum { RULE_OWN = 0, RULE_ALWAYS = 1, RULE_FIRST_LAST = 2, RULE_PREV_LAST = 3, RULE_NEXT = 4 };
enum { APPLIED = 0, SKIP = 1, GAP = 2, CROSSED = 4, UNPARSED = 5, CHECKSUM = 6 };

typedef struct {
    PyObject_HEAD
    Book *book;
    int rule;
    Py_ssize_t depth;
    long long last_seq;
    int fresh;
    long long updates;
    long long last_update_ns;
    long long last_update_mono;
    long long last_exch_ns;
    long long lat_n;
    long long lat[LATENCY_RING];
} Tracker;

/* A Python int that must fit (sequence numbers, clocks): -1 with ValueError set. */
static int as_ll(PyObject *o, long long *out, const char *what) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (overflow) {
        PyErr_Format(PyExc_ValueError, "%s out of range", what);
        return -1;
    }
    *out = v;
    return 0;
}

/* The levels of one side, staged: a list of pairs, or raw JSON bytes (msgspec.Raw) of
 * [price, qty] pairs, or of {"price", "qty"} objects when `objects` is set.
 * 1 staged, 0 bytes the native parser does not take, -1 error set. */
static int stage(PyObject *levels, Pairs *out, int objects) {
    if (PyList_CheckExact(levels) || PyTuple_CheckExact(levels) || !PyObject_CheckBuffer(levels)) {
        PyObject *fast = PySequence_Fast(levels, "levels must be iterable");
        if (fast == NULL)
            return -1;
        /* The size is read again each time: a __float__ may have changed a list. */
        for (Py_ssize_t j = 0; j < PySequence_Fast_GET_SIZE(fast); j++) {
            double price, qty;
            PyObject *item = PySequence_Fast_GET_ITEM(fast, j);
            Py_INCREF(item);
            int bad = read_pair(item, &price, &qty) < 0 || pairs_push(out, price, qty) < 0;
            Py_DECREF(item);
            if (bad) {
                Py_DECREF(fast);
                return -1;
            }
        }
        Py_DECREF(fast);
        return 1;
    }
    Py_buffer view;
    if (PyObject_GetBuffer(levels, &view, PyBUF_SIMPLE) < 0)
        return -1;
    int ok = levels_parse(view.buf, view.len, out, objects);
    PyBuffer_Release(&view);
    return ok;
}

static int apply_side(Side *s, const Pairs *p) {
    if (p->n == 0)
        return 0; /* an update of the other side only: this one is unchanged */
    s->version++;
    double sign = (double)s->sign;
    for (Py_ssize_t j = 0; j < p->n; j++)
        if (set_level(s, p->v[j].price * sign, p->v[j].qty) < 0)
            return -1;
    return 0;
}

static void truncate_side(Side *s, Py_ssize_t depth) {
    if (depth >= s->n)
        return;
    memmove(s->lv, s->lv + (s->n - depth), (size_t)depth * sizeof(Level));
    s->n = depth;
    s->version++;
}

/* Apply one update whose clocks are read and whose levels are staged: APPLIED or
 * CROSSED, -1 with an error set (no memory). exch_ns 0: no venue time (no sample). */
static int apply_staged(Tracker *t, long long seq, long long exch_ns, long long recv_ns,
                        long long recv_mono, const Pairs *bids, const Pairs *asks) {
    long long lat = 0;
    if (__builtin_sub_overflow(recv_ns, exch_ns, &lat))
        exch_ns = 0;
    Book *b = t->book;
    if (apply_side(b->bids, bids) < 0 || apply_side(b->asks, asks) < 0)
        return -1;
    if (t->depth > 0) {
        truncate_side(b->bids, t->depth);
        truncate_side(b->asks, t->depth);
    }
    t->last_seq = seq;
    t->fresh = 0;
    t->updates++;
    t->last_update_ns = recv_ns;
    t->last_update_mono = recv_mono;
    if (exch_ns) {
        t->last_exch_ns = exch_ns;
        t->lat[t->lat_n & (LATENCY_RING - 1)] = lat;
        t->lat_n++;
    }
    Side *bs = b->bids, *as = b->asks;
    int crossed = bs->n > 0 && as->n > 0 && bs->lv[bs->n - 1].key >= -as->lv[as->n - 1].key;
    return crossed ? CROSSED : APPLIED;
}

/* Stage both sides, then apply: APPLIED, CROSSED or UNPARSED (nothing applied), -1
 * with an error set. */
static int apply_core(Tracker *t, long long seq, long long exch_ns, long long recv_ns,
                      long long recv_mono, PyObject *bids_in, PyObject *asks_in, int objects) {
    Pairs bids, asks;
    pairs_init(&bids);
    pairs_init(&asks);
    int ok = stage(bids_in, &bids, objects);
    if (ok == 1)
        ok = stage(asks_in, &asks, objects);
    if (ok == 1)
        ok = apply_staged(t, seq, exch_ns, recv_ns, recv_mono, &bids, &asks);
    else if (ok == 0)
        ok = UNPARSED;
    pairs_free(&bids);
    pairs_free(&asks);
    return ok;
}

/* A venue time as a Python int in units of `unit` ns; one that is no clock (out of
 * range) is no time at all: it makes no latency sample, and never costs the book. */
static int exch_of(PyObject *o, long long unit, long long *out) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (overflow || __builtin_mul_overflow(v, unit, &v))
        v = 0;
    *out = v;
    return 0;
}

/* args: seq, exch, recv_ns, recv_mono, bids, asks; exch is in units of exch_unit ns. */
static PyObject *apply_update(Tracker *t, PyObject *const *args, long long exch_unit) {
    long long seq, exch_ns, recv_ns, recv_mono;
    if (as_ll(args[0], &seq, "sequence number") < 0 || as_ll(args[2], &recv_ns, "recv_ns") < 0 ||
        as_ll(args[3], &recv_mono, "recv_mono") < 0 || exch_of(args[1], exch_unit, &exch_ns) < 0)
        return NULL;
    int v = apply_core(t, seq, exch_ns, recv_ns, recv_mono, args[4], args[5], 0);
    return v < 0 ? NULL : PyLong_FromLong(v);
}

/* ISO 8601 UTC with microseconds, "2026-11-28T20:11:22.279844Z" exactly (Kraken's
 * shape), to epoch ns: 1, or 0 for any other text (the venue's own parser decides).
 * Only dates strptime takes too are read here (years 1970-2261, whose epoch ns fit an
 * int64; real days; seconds below 60), so the two agree wherever this one answers. */
static int iso_ns(const char *t, Py_ssize_t n, long long *out) {
    static const char shape[] = "dddd-dd-ddTdd:dd:dd.ddddddZ";
    if (n != 27)
        return 0;
    for (int i = 0; i < 27; i++) {
        if (shape[i] == 'd' ? !(t[i] >= '0' && t[i] <= '9') : t[i] != shape[i])
            return 0;
    }
#define D2(i) ((t[i] - '0') * 10 + (t[(i) + 1] - '0'))
    long long y = D2(0) * 100 + D2(2);
    int m = D2(5), d = D2(8), hh = D2(11), mi = D2(14), ss = D2(17);
    long long us = 0;
    for (int i = 20; i < 26; i++)
        us = us * 10 + (t[i] - '0');
#undef D2
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1970 || y > 2261 || m < 1 || m > 12 || d < 1 || d > dim[m - 1] + (m == 2 && leap) ||
        hh > 23 || mi > 59 || ss > 59)
        return 0;
    /* days from 1970-01-01 (H. Hinnant's days_from_civil) */
    long long yy = y - (m <= 2);
    long long era = yy / 400;
    long long yoe = yy - era * 400;
    long long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    long long days = era * 146097 + doe - 719468;
    *out = ((days * 86400 + hh * 3600 + mi * 60 + ss) * 1000000 + us) * 1000;
    return 1;
}

/* The rule's verdict on (seq, first_seq, prev_seq); -1 for the venue's own rule. */
static int verdict(const Tracker *t, long long seq, long long first, long long prev) {
    long long last = t->last_seq;
    switch (t->rule) {
    case RULE_ALWAYS:
        return APPLIED;
    case RULE_FIRST_LAST: /* Binance spot: U/u ranges */
        if (seq <= last)
            return SKIP;
        if (t->fresh) /* the first after a snapshot: U <= lastUpdateId + 1 */
            return (last == LLONG_MAX || first <= last + 1) ? APPLIED : GAP;
        return (last != LLONG_MAX && first == last + 1) ? APPLIED : GAP;
    case RULE_PREV_LAST: /* Deribit: prev_change_id == the last change_id */
        return prev == last ? APPLIED : GAP;
    case RULE_NEXT: /* Bybit: u == the last u + 1 */
        return (last != LLONG_MAX && seq == last + 1) ? APPLIED : GAP;
    default:
        return -1;
    }
}

static PyObject *step(Tracker *t, PyObject *const *args, Py_ssize_t nargs, long long exch_unit) {
    if (nargs != 8) {
        PyErr_SetString(PyExc_TypeError,
                        "step(seq, first_seq, prev_seq, exch, recv_ns, recv_mono, bids, asks)");
        return NULL;
    }
    long long seq, first, prev;
    if (as_ll(args[0], &seq, "sequence number") < 0 || as_ll(args[1], &first, "first_seq") < 0 ||
        as_ll(args[2], &prev, "prev_seq") < 0)
        return NULL;
    if (t->book == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Tracker.__init__ was not called");
        return NULL;
    }
    int v = verdict(t, seq, first, prev);
    if (v < 0) {
        PyErr_SetString(PyExc_TypeError, "this tracker follows the venue's own rule: use force()");
        return NULL;
    }
    if (v != APPLIED)
        return PyLong_FromLong(v);
    PyObject *rest[6] = {args[0], args[3], args[4], args[5], args[6], args[7]};
    return apply_update(t, rest, exch_unit);
}

/* step(seq, first_seq, prev_seq, exch_ns, recv_ns, recv_mono, bids, asks) -> verdict */
static PyObject *Tracker_step(Tracker *t, PyObject *const *args, Py_ssize_t nargs) {
    return step(t, args, nargs, 1);
}

/* step_ms(...): the same with the venue's time in ms, scaled here rather than by a
 * Python big-int multiply per frame (most venues stamp updates in ms). */
static PyObject *Tracker_step_ms(Tracker *t, PyObject *const *args, Py_ssize_t nargs) {
    return step(t, args, nargs, 1000000);
}

/* force(seq, exch_ns, recv_ns, recv_mono, bids, asks) -> APPLIED/CROSSED/UNPARSED:
 * the venue's own rule said apply. */
static PyObject *Tracker_force(Tracker *t, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 6) {
        PyErr_SetString(PyExc_TypeError, "force(seq, exch_ns, recv_ns, recv_mono, bids, asks)");
        return NULL;
    }
    if (t->book == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Tracker.__init__ was not called");
        return NULL;
    }
    return apply_update(t, args, 1);
}

/* step_checked(seq, first_seq, prev_seq, exch, recv_ns, recv_mono, bids, asks, checksum,
 *              n, price_places, qty_places) -> verdict
 * step() for a venue with Kraken's checksum (CRC32 of the best n levels' digits, asks
 * then bids), verified natively after the update: CHECKSUM when it differs (the update
 * is applied, as the feed's general path applies it before checking). exch is the venue
 * time in ns, or its ISO text ("" none; a shape iso_ns does not read: UNPARSED, nothing
 * applied, so the venue's parser decides). Raw levels are Kraken's objects
 * ({"price": .., "qty": ..}), not pairs. */
static PyObject *Tracker_step_checked(Tracker *t, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 12) {
        PyErr_SetString(PyExc_TypeError,
                        "step_checked(seq, first_seq, prev_seq, exch, recv_ns, recv_mono, bids, "
                        "asks, checksum, n, price_places, qty_places)");
        return NULL;
    }
    long long seq, first, prev, recv_ns, recv_mono, exch_ns = 0;
    if (as_ll(args[0], &seq, "sequence number") < 0 || as_ll(args[1], &first, "first_seq") < 0 ||
        as_ll(args[2], &prev, "prev_seq") < 0)
        return NULL;
    if (t->book == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Tracker.__init__ was not called");
        return NULL;
    }
    if (!PyLong_Check(args[8])) {
        PyErr_SetString(PyExc_TypeError, "checksum must be an int");
        return NULL;
    }
    Py_ssize_t n = PyLong_AsSsize_t(args[9]);
    long pp = PyLong_AsLong(args[10]);
    long qp = PyLong_AsLong(args[11]);
    if (PyErr_Occurred())
        return NULL;
    if (n < 0 || n > 1000000 || pp < 0 || pp > 1000000 || qp < 0 || qp > 1000000) {
        PyErr_SetString(PyExc_ValueError, "checksum depth or precision out of range");
        return NULL;
    }
    int v = verdict(t, seq, first, prev);
    if (v < 0) {
        PyErr_SetString(PyExc_TypeError, "this tracker follows the venue's own rule: use force()");
        return NULL;
    }
    if (v != APPLIED)
        return PyLong_FromLong(v);
    if (as_ll(args[0], &seq, "sequence number") < 0 || as_ll(args[4], &recv_ns, "recv_ns") < 0 ||
        as_ll(args[5], &recv_mono, "recv_mono") < 0)
        return NULL;
    if (PyUnicode_Check(args[3])) {
        Py_ssize_t len;
        const char *text = PyUnicode_AsUTF8AndSize(args[3], &len);
        if (text == NULL)
            return NULL;
        if (len && !iso_ns(text, len, &exch_ns))
            return PyLong_FromLong(UNPARSED);
    } else if (exch_of(args[3], 1, &exch_ns) < 0) {
        return NULL;
    }
    v = apply_core(t, seq, exch_ns, recv_ns, recv_mono, args[6], args[7], 1);
    if (v < 0)
        return NULL;
    if (v == UNPARSED)
        return PyLong_FromLong(v);
    uint32_t crc;
    if (book_crc32(t->book, n, (int)pp, (int)qp, &crc) < 0)
        return NULL;
    int overflow = 0;
    long long expected = PyLong_AsLongLongAndOverflow(args[8], &overflow);
    if (expected == -1 && PyErr_Occurred())
        return NULL;
    if (overflow || expected != (long long)crc)
        return PyLong_FromLong(CHECKSUM);
    return PyLong_FromLong(v);
}

static PyObject *Tracker_latencies(Tracker *t, PyObject *const *args, Py_ssize_t nargs) {
    long long since = 0;
    if (nargs > 1) {
        PyErr_SetString(PyExc_TypeError, "latencies(since_n=0)");
        return NULL;
    }
    if (nargs == 1 && as_ll(args[0], &since, "since_n") < 0)
        return NULL;
    long long n = t->lat_n, count = n - since;
    if (count > LATENCY_RING)
        count = LATENCY_RING;
    if (count > n)
        count = n;
    if (count < 0)
        count = 0;
    PyObject *out = PyList_New((Py_ssize_t)count);
    for (long long i = 0; out != NULL && i < count; i++) {
        PyObject *v = PyLong_FromLongLong(t->lat[(n - count + i) & (LATENCY_RING - 1)]);
        if (v == NULL)
            Py_CLEAR(out);
        else
            PyList_SET_ITEM(out, (Py_ssize_t)i, v);
    }
    return out;
}

static int Tracker_init(Tracker *t, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"book", "rule", "depth", NULL};
    PyObject *book;
    int rule = RULE_OWN;
    Py_ssize_t depth = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!|in", kwlist, &BookType, &book, &rule, &depth))
        return -1;
    if (rule < RULE_OWN || rule > RULE_NEXT) {
        PyErr_Format(PyExc_ValueError, "unknown sequence rule %d", rule);
        return -1;
    }
    if (((Book *)book)->bids == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Book.__init__ was not called");
        return -1;
    }
    Py_XSETREF(t->book, (Book *)Py_NewRef(book));
    t->rule = rule;
    t->depth = depth > 0 ? depth : 0;
    t->last_seq = -1;
    t->fresh = 0;
    t->updates = t->last_update_ns = t->last_update_mono = t->last_exch_ns = t->lat_n = 0;
    return 0;
}

static void Tracker_dealloc(Tracker *t) {
    Py_XDECREF(t->book);
    Py_TYPE(t)->tp_free((PyObject *)t);
}

static PyObject *Tracker_get_book(Tracker *t, void *Py_UNUSED(c)) {
    if (t->book == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Tracker.__init__ was not called");
        return NULL;
    }
    return Py_NewRef((PyObject *)t->book);
}

static PyObject *Tracker_get_fresh(Tracker *t, void *Py_UNUSED(c)) { return PyBool_FromLong(t->fresh); }

static int Tracker_set_fresh(Tracker *t, PyObject *v, void *Py_UNUSED(c)) {
    if (v == NULL) {
        PyErr_SetString(PyExc_AttributeError, "fresh cannot be deleted");
        return -1;
    }
    int truth = PyObject_IsTrue(v);
    if (truth < 0)
        return -1;
    t->fresh = truth;
    return 0;
}

/* The int fields, read and written as Python ints. */
#define INT_FIELD(name)                                                                     \
    static PyObject *Tracker_get_##name(Tracker *t, void *Py_UNUSED(c)) {                   \
        return PyLong_FromLongLong(t->name);                                                \
    }                                                                                       \
    static int Tracker_set_##name(Tracker *t, PyObject *v, void *Py_UNUSED(c)) {            \
        if (v == NULL) {                                                                    \
            PyErr_SetString(PyExc_AttributeError, #name " cannot be deleted");              \
            return -1;                                                                      \
        }                                                                                   \
        return as_ll(v, &t->name, #name);                                                   \
    }

INT_FIELD(last_seq)
INT_FIELD(updates)
INT_FIELD(last_update_ns)
INT_FIELD(last_update_mono)
INT_FIELD(last_exch_ns)

static PyObject *Tracker_get_lat_n(Tracker *t, void *Py_UNUSED(c)) { return PyLong_FromLongLong(t->lat_n); }
static PyObject *Tracker_get_rule(Tracker *t, void *Py_UNUSED(c)) { return PyLong_FromLong(t->rule); }
static PyObject *Tracker_get_depth(Tracker *t, void *Py_UNUSED(c)) { return PyLong_FromSsize_t(t->depth); }

#define RW(name, doc) {#name, (getter)Tracker_get_##name, (setter)Tracker_set_##name, doc, NULL}
#define RO(name, doc) {#name, (getter)Tracker_get_##name, NULL, doc, NULL}

static PyGetSetDef Tracker_getset[] = {
    RO(book, "the instrument's book"),
    RO(rule, "the sequence rule (adapters.sequence.RULES)"),
    RO(depth, "levels kept a side after each update (0: all)"),
    RW(last_seq, "the venue's id of the last update applied (or the snapshot's)"),
    RW(fresh, "no update applied since the snapshot"),
    RW(updates, "updates applied"),
    RW(last_update_ns, "wall clock (ns) of the last update applied"),
    RW(last_update_mono, "monotonic clock (ns) of the last update applied"),
    RW(last_exch_ns, "the venue's time (ns) of the last update that carried one"),
    RO(lat_n, "latency samples recorded so far"),
    {NULL},
};

static PyMethodDef Tracker_methods[] = {
    {"step", (PyCFunction)(void (*)(void))Tracker_step, METH_FASTCALL,
     "the rule's verdict on an update and, if it applies, the whole update"},
    {"step_ms", (PyCFunction)(void (*)(void))Tracker_step_ms, METH_FASTCALL,
     "step() with the venue's time in ms"},
    {"step_checked", (PyCFunction)(void (*)(void))Tracker_step_checked, METH_FASTCALL,
     "step() and then the venue's CRC32 of the best levels, checked"},
    {"force", (PyCFunction)(void (*)(void))Tracker_force, METH_FASTCALL,
     "apply an update the venue's own rule accepted"},
    {"latencies", (PyCFunction)(void (*)(void))Tracker_latencies, METH_FASTCALL,
     "latency samples (ns) recorded after sample number since_n"},
    {NULL},
};

static PyTypeObject TrackerType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "adapters._book.Tracker",
    .tp_basicsize = sizeof(Tracker),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "One instrument's book, sequence state, counters and latency ring (native).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Tracker_init,
    .tp_dealloc = (destructor)Tracker_dealloc,
    .tp_methods = Tracker_methods,
    .tp_getset = Tracker_getset,
};

/* For a frame router that parsed the levels itself (adapters/_binance.c): the rule's
 * verdict and, if it applies, the update -- as step_ms() would. -2: not a native tracker
 * ready for it (the caller takes the ordinary path); -1: error set. */
int tracker_step_staged(PyObject *o, long long seq, long long first, long long prev,
                        long long exch_ms, long long recv_ns, long long recv_mono,
                        const Pairs *bids, const Pairs *asks) {
    if (!Py_IS_TYPE(o, &TrackerType))
        return -2;
    Tracker *t = (Tracker *)o;
    if (t->book == NULL)
        return -2;
    int v = verdict(t, seq, first, prev);
    if (v < 0)
        return -2;
    if (v != APPLIED)
        return v;
    long long exch_ns;
    if (__builtin_mul_overflow(exch_ms, 1000000LL, &exch_ns))
        exch_ns = 0;
    return apply_staged(t, seq, exch_ns, recv_ns, recv_mono, bids, asks);
}

/* The same for Kraken's update (step_checked's semantics: no sequence numbers, the
 * venue's ISO time, CRC32 of the best n levels verified after the update). */
int tracker_step_checked_staged(PyObject *o, const char *ts, Py_ssize_t ts_n, long long recv_ns,
                                long long recv_mono, const Pairs *bids, const Pairs *asks,
                                long long expected, Py_ssize_t n, int pp, int qp) {
    if (!Py_IS_TYPE(o, &TrackerType))
        return -2;
    Tracker *t = (Tracker *)o;
    if (t->book == NULL)
        return -2;
    int v = verdict(t, -1, -1, -1);
    if (v < 0)
        return -2;
    if (v != APPLIED)
        return v;
    long long exch_ns = 0;
    if (ts_n && !iso_ns(ts, ts_n, &exch_ns))
        return UNPARSED;
    v = apply_staged(t, -1, exch_ns, recv_ns, recv_mono, bids, asks);
    if (v < 0)
        return -1;
    uint32_t crc;
    if (book_crc32(t->book, n, pp, qp, &crc) < 0)
        return -1;
    return expected == (long long)crc ? v : CHECKSUM;
}

int tracker_add_type(PyObject *module) {
    if (PyType_Ready(&TrackerType) < 0)
        return -1;
    Py_INCREF(&TrackerType);
    if (PyModule_AddObject(module, "Tracker", (PyObject *)&TrackerType) < 0) {
        Py_DECREF(&TrackerType);
        return -1;
    }
    return 0;
}
