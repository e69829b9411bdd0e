/*
 * adapters._book: one side of an exact L2 book, applied a whole message at a time.
 *
 * Why C and hand-written: no package on the index offers a sorted price ladder that
 * takes msgspec's decoded (price, qty) tuples in one call, and C against the CPython
 * API builds with setuptools and the machine's gcc alone -- no Cython package and no
 * Rust crates to download at build time. The pure-Python adapters.book_py.BookSide is
 * the reference; tests/unit/test_book_native.py drives both with the same random
 * operation sequences and requires identical answers after every step.
 *
 * Layout: one contiguous array of (key, qty) doubles sorted ascending by key, where
 * key = price for bids and -price for asks, so the best level is at the END: nearly
 * all activity is at the touch, so an insert or delete there moves a few bytes.
 * Lookups are a binary search; inserts and deletes a memmove of the tail.
 *
 * Semantics mirror the reference exactly: a quantity of 0 removes the level
 * (removing an unknown level is normal); levels apply in message order (the same
 * price twice: the last wins); an empty message leaves the side and its version
 * untouched; truncate keeps the best `depth` levels and returns len - depth when
 * positive. A NaN price has no place in a sorted ladder: it raises ValueError
 * instead of corrupting the order.
 */
#include "_book.h"

static int grow(Side *s, Py_ssize_t need) {
    if (need <= s->cap)
        return 0;
    Py_ssize_t cap = s->cap ? s->cap : 16;
    while (cap < need)
        cap *= 2;
    Level *lv = PyMem_Realloc(s->lv, (size_t)cap * sizeof(Level));
    if (lv == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    s->lv = lv;
    s->cap = cap;
    return 0;
}

/* First index whose key is >= key (lower bound). Nearly every change is at or near
 * the touch, which is the END of the array, so the search gallops down from there
 * (1, 2, 4, ... levels) before bisecting: a few comparisons at the top of a deep book
 * (Binance keeps 1000 levels) instead of ten across it. */
static inline Py_ssize_t lower(const Side *s, double key) {
    const Level *lv = s->lv;
    Py_ssize_t hi = s->n, lo = 0, step = 1;
    /* every index >= hi holds a key >= key; every index < lo a key < key */
    while (hi - step > 0) {
        Py_ssize_t probe = hi - step;
        if (lv[probe].key < key) {
            lo = probe + 1;
            break;
        }
        hi = probe;
        step <<= 1;
    }
    while (lo < hi) {
        Py_ssize_t mid = (lo + hi) >> 1;
        if (lv[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static inline double as_double(PyObject *o) {
    if (PyFloat_CheckExact(o))
        return PyFloat_AS_DOUBLE(o);
    return PyFloat_AsDouble(o); /* ints and __float__ types; -1.0 with an error set */
}

/* Read one (price, qty) pair from a tuple, a list or any 2-item sequence. The items
 * are held while converted: a __float__ could otherwise free them under us. */
int read_pair(PyObject *item, double *price, double *qty) {
    PyObject *p, *q;
    PyObject *fast = PySequence_Fast(item, "a level must be a (price, qty) pair");
    if (fast == NULL)
        return -1;
    if (PySequence_Fast_GET_SIZE(fast) != 2) {
        Py_DECREF(fast);
        PyErr_SetString(PyExc_ValueError, "a level must be a (price, qty) pair");
        return -1;
    }
    p = PySequence_Fast_GET_ITEM(fast, 0);
    q = PySequence_Fast_GET_ITEM(fast, 1);
    if (PyFloat_CheckExact(p) && PyFloat_CheckExact(q)) { /* msgspec's output: no code runs */
        *price = PyFloat_AS_DOUBLE(p);
        *qty = PyFloat_AS_DOUBLE(q);
    } else {
        Py_INCREF(p);
        Py_INCREF(q);
        *price = as_double(p);
        if (!(*price == -1.0 && PyErr_Occurred()))
            *qty = as_double(q);
        Py_DECREF(p);
        Py_DECREF(q);
        if (PyErr_Occurred()) {
            Py_DECREF(fast);
            return -1;
        }
    }
    Py_DECREF(fast);
    if (isnan(*price)) {
        PyErr_SetString(PyExc_ValueError, "a level's price is NaN");
        return -1;
    }
    return 0;
}

int set_level(Side *s, double key, double qty) {
    Py_ssize_t i = lower(s, key);
    Level *lv = s->lv;
    int found = i < s->n && lv[i].key == key;
    if (qty != 0.0) {
        if (found) {
            lv[i].qty = qty;
            return 0;
        }
        if (grow(s, s->n + 1) < 0)
            return -1;
        lv = s->lv;
        memmove(lv + i + 1, lv + i, (size_t)(s->n - i) * sizeof(Level));
        lv[i].key = key;
        lv[i].qty = qty;
        s->n++;
    } else if (found) {
        memmove(lv + i, lv + i + 1, (size_t)(s->n - i - 1) * sizeof(Level));
        s->n--;
    }
    return 0;
}

static PyObject *Side_apply(Side *s, PyObject *levels) {
    PyObject *fast = PySequence_Fast(levels, "levels must be iterable");
    if (fast == NULL)
        return NULL;
    Py_ssize_t m = PySequence_Fast_GET_SIZE(fast);
    if (m == 0) { /* an update of the other side only: this one is unchanged */
        Py_DECREF(fast);
        Py_RETURN_NONE;
    }
    s->version++;
    double sign = (double)s->sign;
    /* The size is read again each time: a __float__ may have changed a list. */
    for (Py_ssize_t j = 0; j < PySequence_Fast_GET_SIZE(fast); j++) {
        double price, qty;
        PyObject *item = PySequence_Fast_GET_ITEM(fast, j);
        Py_INCREF(item);
        int bad = read_pair(item, &price, &qty) < 0 || set_level(s, price * sign, qty) < 0;
        Py_DECREF(item);
        if (bad) {
            Py_DECREF(fast);
            return NULL;
        }
    }
    Py_DECREF(fast);
    Py_RETURN_NONE;
}

typedef struct {
    double key;
    double qty;
    Py_ssize_t order;
} Loaded;

static int cmp_loaded(const void *a, const void *b) {
    const Loaded *x = a, *y = b;
    if (x->key < y->key)
        return -1;
    if (x->key > y->key)
        return 1;
    return (x->order > y->order) - (x->order < y->order);
}

/* Replace the side: sort once (a snapshot may hold thousands of levels, so one
 * insert at a time could move the whole array per level), then keep, for each
 * price, what its last mention says. */
static PyObject *Side_load(Side *s, PyObject *levels) {
    PyObject *fast = PySequence_Fast(levels, "levels must be iterable");
    if (fast == NULL)
        return NULL;
    Py_ssize_t m = PySequence_Fast_GET_SIZE(fast);
    Loaded *tmp = PyMem_Malloc((size_t)(m ? m : 1) * sizeof(Loaded));
    if (tmp == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    double sign = (double)s->sign;
    Py_ssize_t filled = 0;
    for (Py_ssize_t j = 0; j < m && j < PySequence_Fast_GET_SIZE(fast); j++) {
        double price, qty;
        PyObject *item = PySequence_Fast_GET_ITEM(fast, j);
        Py_INCREF(item);
        int bad = read_pair(item, &price, &qty) < 0;
        Py_DECREF(item);
        if (bad) {
            PyMem_Free(tmp);
            Py_DECREF(fast);
            return NULL;
        }
        tmp[j].key = price * sign;
        tmp[j].qty = qty;
        tmp[j].order = j;
        filled = j + 1;
    }
    Py_DECREF(fast);
    m = filled;
    qsort(tmp, (size_t)m, sizeof(Loaded), cmp_loaded);
    if (grow(s, m) < 0) {
        PyMem_Free(tmp);
        return NULL;
    }
    Py_ssize_t n = 0;
    for (Py_ssize_t j = 0; j < m; j++) {
        if (j + 1 < m && tmp[j + 1].key == tmp[j].key)
            continue; /* a later mention of the same price decides */
        if (tmp[j].qty != 0.0) {
            s->lv[n].key = tmp[j].key;
            s->lv[n].qty = tmp[j].qty;
            n++;
        }
    }
    PyMem_Free(tmp);
    s->n = n;
    s->version++;
    Py_RETURN_NONE;
}

static PyObject *Side_clear(Side *s, PyObject *Py_UNUSED(ignored)) {
    s->n = 0;
    s->version++;
    Py_RETURN_NONE;
}

static PyObject *Side_truncate(Side *s, PyObject *arg) {
    Py_ssize_t depth = PyLong_AsSsize_t(arg);
    if (depth == -1 && PyErr_Occurred())
        return NULL;
    if (depth >= s->n)
        return PyLong_FromLong(0);
    Py_ssize_t keep = depth > 0 ? depth : 0;
    memmove(s->lv, s->lv + (s->n - keep), (size_t)keep * sizeof(Level));
    PyObject *n = PyLong_FromSsize_t(s->n);
    s->n = keep;
    s->version++;
    if (n == NULL)
        return NULL;
    /* len - depth, as the reference answers even for a negative depth (no overflow) */
    PyObject *extra = PyNumber_Subtract(n, arg);
    Py_DECREF(n);
    return extra;
}

static PyObject *Side_best(Side *s, PyObject *Py_UNUSED(ignored)) {
    if (s->n == 0)
        Py_RETURN_NONE;
    return PyFloat_FromDouble(s->lv[s->n - 1].key * s->sign);
}

/* The k best levels a caller asked for, clamped to the side's depth (-1: not an int). */
static Py_ssize_t top_count(const Side *s, PyObject *arg) {
    Py_ssize_t k = PyLong_AsSsize_t(arg);
    if (k == -1 && PyErr_Occurred())
        return -1;
    if (k < 0)
        return 0;
    return k > s->n ? s->n : k;
}

static PyObject *Side_top(Side *s, PyObject *arg) {
    Py_ssize_t k = top_count(s, arg);
    if (k < 0)
        return NULL;
    PyObject *out = PyList_New(k);
    if (out == NULL)
        return NULL;
    for (Py_ssize_t j = 0; j < k; j++) {
        const Level *l = &s->lv[s->n - 1 - j];
        PyObject *t = Py_BuildValue("(dd)", l->key * s->sign, l->qty);
        if (t == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, j, t);
    }
    return out;
}

static PyObject *Side_top_prices(Side *s, PyObject *arg) {
    Py_ssize_t k = top_count(s, arg);
    if (k < 0)
        return NULL;
    PyObject *out = PyList_New(k);
    if (out == NULL)
        return NULL;
    for (Py_ssize_t j = 0; j < k; j++) {
        PyObject *f = PyFloat_FromDouble(s->lv[s->n - 1 - j].key * s->sign);
        if (f == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, j, f);
    }
    return out;
}

static PyObject *Side_levels(Side *s, PyObject *Py_UNUSED(ignored)) {
    PyObject *d = PyDict_New();
    if (d == NULL)
        return NULL;
    for (Py_ssize_t j = 0; j < s->n; j++) {
        PyObject *p = PyFloat_FromDouble(s->lv[j].key * s->sign);
        PyObject *q = PyFloat_FromDouble(s->lv[j].qty);
        if (p == NULL || q == NULL || PyDict_SetItem(d, p, q) < 0) {
            Py_XDECREF(p);
            Py_XDECREF(q);
            Py_DECREF(d);
            return NULL;
        }
        Py_DECREF(p);
        Py_DECREF(q);
    }
    return d;
}

static Py_ssize_t find(Side *s, PyObject *price, int *err) {
    double p = as_double(price);
    *err = 0;
    if (p == -1.0 && PyErr_Occurred()) {
        *err = 1;
        return -1;
    }
    double key = p * s->sign;
    Py_ssize_t i = lower(s, key);
    return (i < s->n && s->lv[i].key == key) ? i : -1;
}

static PyObject *Side_get(Side *s, PyObject *price) {
    int err;
    Py_ssize_t i = find(s, price, &err);
    if (err)
        return NULL;
    if (i < 0)
        Py_RETURN_NONE;
    return PyFloat_FromDouble(s->lv[i].qty);
}

static int Side_contains(Side *s, PyObject *price) {
    int err;
    Py_ssize_t i = find(s, price, &err);
    if (err)
        return -1;
    return i >= 0;
}

static Py_ssize_t Side_len(Side *s) { return s->n; }

/* ---- Kraken's checksum text --------------------------------------------------
 * Each value is formatted with `places` decimals, point and leading zeros removed:
 * the integer count of 10**-places units. value * 10**places is within 2**-10 of
 * the exact product below 2**43 units, so when it lies within 1/4 of an integer,
 * that integer IS the correctly rounded decimal; otherwise (a value sent with more
 * digits than the precision, a tie, a huge or negative value) Python's own
 * formatter (the one f"{v:.{places}f}" uses) decides. */
static const double SCALE[19] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8, 1e9,
                                 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};
#define EXACT 8796093022208.0 /* 2**43 */

static const char DIGITS2[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                              "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                              "8081828384858687888990919293949596979899";

/* Append the digits of `value` to buf at *len (buf has room for 32 more bytes when
 * the fast path applies). Returns 0, or -1 with an exception set. */
static int put_digits(char **buf, Py_ssize_t *len, Py_ssize_t *cap, double value, int places) {
    if (places >= 0 && places < 19) {
        double units = value * SCALE[places];
        if (units > 0 && units < EXACT) {
            /* units > 0 and below 2**43: truncating units + 0.5 is the nearest integer
             * (a tie or anything near one takes the formatter below anyway). */
            uint64_t u = (uint64_t)(units + 0.5);
            double d = units - (double)u;
            if (d < 0.25 && d > -0.25) {
                /* Digits written backwards from the end of tmp, two at a time (a
                 * checksum formats twenty values per changed side of every update). */
                char tmp[24];
                char *end = tmp + sizeof tmp, *p = end;
                while (u >= 100) {
                    unsigned r = (unsigned)(u % 100);
                    u /= 100;
                    p -= 2;
                    memcpy(p, DIGITS2 + 2 * r, 2);
                }
                if (u >= 10) {
                    p -= 2;
                    memcpy(p, DIGITS2 + 2 * u, 2);
                } else if (u) {
                    *--p = (char)('0' + u);
                }
                Py_ssize_t k = end - p;
                if (*len + k > *cap) {
                    Py_ssize_t nc = (*cap + k) * 2;
                    char *nb = PyMem_Realloc(*buf, (size_t)nc);
                    if (nb == NULL) {
                        PyErr_NoMemory();
                        return -1;
                    }
                    *buf = nb;
                    *cap = nc;
                }
                memcpy(*buf + *len, p, (size_t)k);
                *len += k;
                return 0;
            }
        }
    }
    char *text = PyOS_double_to_string(value, 'f', places, 0, NULL);
    if (text == NULL)
        return -1;
    size_t tl = strlen(text);
    if (*len + (Py_ssize_t)tl > *cap) {
        Py_ssize_t nc = (*cap + (Py_ssize_t)tl) * 2;
        char *nb = PyMem_Realloc(*buf, (size_t)nc);
        if (nb == NULL) {
            PyMem_Free(text);
            PyErr_NoMemory();
            return -1;
        }
        *buf = nb;
        *cap = nc;
    }
    /* point removed, then leading zeros (a sign stays, as str.lstrip("0") keeps it) */
    int leading = 1;
    for (size_t j = 0; j < tl; j++) {
        char c = text[j];
        if (c == '.')
            continue;
        if (leading && c == '0')
            continue;
        leading = 0;
        (*buf)[(*len)++] = c;
    }
    PyMem_Free(text);
    return 0;
}

/* The checksum text of the best k levels (new reference), reused while the side is
 * unchanged: an update usually changes one side, and the other's text stands. */
static PyObject *side_text(Side *s, Py_ssize_t k_asked, int pp, int qp) {
    if (s->text != NULL && s->text_version == s->version && s->text_n == k_asked &&
        s->text_pp == pp && s->text_qp == qp) {
        Py_INCREF(s->text);
        return s->text;
    }
    Py_ssize_t k = k_asked;
    if (k < 0)
        k = 0;
    if (k > s->n)
        k = s->n;
    Py_ssize_t cap = 64 * (k + 1), len = 0;
    char *buf = PyMem_Malloc((size_t)cap);
    if (buf == NULL)
        return PyErr_NoMemory();
    for (Py_ssize_t j = 0; j < k; j++) {
        const Level *l = &s->lv[s->n - 1 - j];
        if (put_digits(&buf, &len, &cap, l->key * s->sign, pp) < 0 ||
            put_digits(&buf, &len, &cap, l->qty, qp) < 0) {
            PyMem_Free(buf);
            return NULL;
        }
    }
    PyObject *out = PyBytes_FromStringAndSize(buf, len);
    PyMem_Free(buf);
    if (out == NULL)
        return NULL;
    Py_XSETREF(s->text, Py_NewRef(out));
    s->text_version = s->version;
    s->text_n = k_asked;
    s->text_pp = pp;
    s->text_qp = qp;
    return out;
}

/* (n, price_places, qty_places) of checksum_text / checksum_crc32; -1: error set. */
static int checksum_args(PyObject *const *args, Py_ssize_t *k, int *pp, int *qp) {
    *k = PyLong_AsSsize_t(args[0]);
    long p = PyLong_AsLong(args[1]);
    long q = PyLong_AsLong(args[2]);
    if (PyErr_Occurred())
        return -1;
    if (p < 0 || p > 1000000 || q < 0 || q > 1000000) {
        PyErr_SetString(PyExc_ValueError, "precision out of range");
        return -1;
    }
    *pp = (int)p;
    *qp = (int)q;
    return 0;
}

static PyObject *Side_checksum_text(Side *s, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "checksum_text(n, price_places, qty_places)");
        return NULL;
    }
    Py_ssize_t k;
    int pp, qp;
    if (checksum_args(args, &k, &pp, &qp) < 0)
        return NULL;
    return side_text(s, k, pp, qp);
}

static PyObject *fragment(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "fragment(value, places)");
        return NULL;
    }
    double v = as_double(args[0]);
    if (v == -1.0 && PyErr_Occurred())
        return NULL;
    long places = PyLong_AsLong(args[1]);
    if (places == -1 && PyErr_Occurred())
        return NULL;
    if (places < 0 || places > 1000000) {
        PyErr_SetString(PyExc_ValueError, "precision out of range");
        return NULL;
    }
    Py_ssize_t cap = 64, len = 0;
    char *buf = PyMem_Malloc((size_t)cap);
    if (buf == NULL)
        return PyErr_NoMemory();
    if (put_digits(&buf, &len, &cap, v, (int)places) < 0) {
        PyMem_Free(buf);
        return NULL;
    }
    PyObject *out = PyUnicode_FromStringAndSize(buf, len);
    PyMem_Free(buf);
    return out;
}

/* ---- type plumbing ------------------------------------------------------------ */

static int Side_init(Side *s, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"sign", NULL};
    int sign;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "i", kwlist, &sign))
        return -1;
    if (sign != 1 && sign != -1) {
        PyErr_SetString(PyExc_ValueError, "sign must be 1 (bids) or -1 (asks)");
        return -1;
    }
    s->sign = sign;
    s->n = 0;
    return 0;
}

static void Side_dealloc(Side *s) {
    PyMem_Free(s->lv);
    Py_XDECREF(s->text);
    Py_TYPE(s)->tp_free((PyObject *)s);
}

static PyObject *Side_get_version(Side *s, void *Py_UNUSED(c)) {
    return PyLong_FromUnsignedLongLong(s->version);
}

static PyObject *Side_get_sign(Side *s, void *Py_UNUSED(c)) { return PyLong_FromLong(s->sign); }

static PyGetSetDef Side_getset[] = {
    {"version", (getter)Side_get_version, NULL, "changes made to the side so far", NULL},
    {"sign", (getter)Side_get_sign, NULL, "+1 for bids, -1 for asks", NULL},
    {NULL},
};

static PyMethodDef Side_methods[] = {
    {"apply", (PyCFunction)Side_apply, METH_O, "set absolute quantities; 0 removes"},
    {"load", (PyCFunction)Side_load, METH_O, "replace the side with these levels"},
    {"clear", (PyCFunction)Side_clear, METH_NOARGS, "remove every level"},
    {"truncate", (PyCFunction)Side_truncate, METH_O, "keep the best depth levels"},
    {"best", (PyCFunction)Side_best, METH_NOARGS, "the best price or None"},
    {"top", (PyCFunction)Side_top, METH_O, "the best n (price, qty), best first"},
    {"top_prices", (PyCFunction)Side_top_prices, METH_O, "the best n prices, best first"},
    {"levels", (PyCFunction)Side_levels, METH_NOARGS, "a dict price -> qty (a copy)"},
    {"get", (PyCFunction)Side_get, METH_O, "the quantity at a price, or None"},
    {"checksum_text", (PyCFunction)(void (*)(void))Side_checksum_text, METH_FASTCALL,
     "Kraken's text of the best n levels: digits of price then qty, best first"},
    {NULL},
};

static PySequenceMethods Side_as_sequence = {
    .sq_length = (lenfunc)Side_len,
    .sq_contains = (objobjproc)Side_contains,
};

static PyTypeObject SideType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "adapters._book.BookSide",
    .tp_basicsize = sizeof(Side),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "One side of an exact L2 book (native). sign: +1 bids, -1 asks.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Side_init,
    .tp_dealloc = (destructor)Side_dealloc,
    .tp_methods = Side_methods,
    .tp_getset = Side_getset,
    .tp_as_sequence = &Side_as_sequence,
};

/* ---- the book: two sides, and the reads the feed makes after every update -------
 * In C so that crossed() and the top-of-book reads cost no Python frame per frame. */

static PyObject *new_side(int sign) {
    PyObject *args = Py_BuildValue("(i)", sign);
    if (args == NULL)
        return NULL;
    PyObject *side = PyObject_Call((PyObject *)&SideType, args, NULL);
    Py_DECREF(args);
    return side;
}

static int Book_init(Book *b, PyObject *args, PyObject *kwds) {
    if (!PyArg_ParseTuple(args, ":Book") || (kwds && PyDict_GET_SIZE(kwds))) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "Book() takes no arguments");
        return -1;
    }
    PyObject *bids = new_side(1), *asks = new_side(-1);
    if (bids == NULL || asks == NULL) {
        Py_XDECREF(bids);
        Py_XDECREF(asks);
        return -1;
    }
    Py_XSETREF(b->bids, (Side *)bids);
    Py_XSETREF(b->asks, (Side *)asks);
    return 0;
}

static void Book_dealloc(Book *b) {
    Py_XDECREF(b->bids);
    Py_XDECREF(b->asks);
    Py_TYPE(b)->tp_free((PyObject *)b);
}

static int ready(Book *b) {
    if (b->bids == NULL || b->asks == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Book.__init__ was not called");
        return 0;
    }
    return 1;
}

static PyObject *Book_clear(Book *b, PyObject *Py_UNUSED(ignored)) {
    if (!ready(b))
        return NULL;
    Side_clear(b->bids, NULL);
    Py_DECREF(Py_None);
    Side_clear(b->asks, NULL);
    Py_DECREF(Py_None);
    Py_RETURN_NONE;
}

static PyObject *both(Book *b, PyObject *const *args, Py_ssize_t nargs,
                      PyObject *(*fn)(Side *, PyObject *), const char *name) {
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "%s(bids, asks)", name);
        return NULL;
    }
    if (!ready(b))
        return NULL;
    PyObject *r = fn(b->bids, args[0]);
    if (r == NULL)
        return NULL;
    Py_DECREF(r);
    r = fn(b->asks, args[1]);
    if (r == NULL)
        return NULL;
    Py_DECREF(r);
    Py_RETURN_NONE;
}

static PyObject *Book_apply(Book *b, PyObject *const *args, Py_ssize_t nargs) {
    return both(b, args, nargs, Side_apply, "apply");
}

/* Both sides, then whether the book is crossed: the feed's per-update work in one
 * call (it asks crossed() after every applied update anyway). */
static PyObject *Book_update(Book *b, PyObject *const *args, Py_ssize_t nargs) {
    PyObject *r = both(b, args, nargs, Side_apply, "update");
    if (r == NULL)
        return NULL;
    Py_DECREF(r);
    return PyBool_FromLong(b->bids->n > 0 && b->asks->n > 0 &&
                           b->bids->lv[b->bids->n - 1].key >= -b->asks->lv[b->asks->n - 1].key);
}

static PyObject *Book_load(Book *b, PyObject *const *args, Py_ssize_t nargs) {
    return both(b, args, nargs, Side_load, "load");
}

static PyObject *Book_truncate(Book *b, PyObject *arg) {
    if (!ready(b))
        return NULL;
    PyObject *r = Side_truncate(b->bids, arg);
    if (r == NULL)
        return NULL;
    Py_DECREF(r);
    r = Side_truncate(b->asks, arg);
    if (r == NULL)
        return NULL;
    Py_DECREF(r);
    Py_RETURN_NONE;
}

#define BID(b) ((b)->bids->lv[(b)->bids->n - 1].key)
#define ASK(b) (-(b)->asks->lv[(b)->asks->n - 1].key)
#define BOTH(b) ((b)->bids->n > 0 && (b)->asks->n > 0)

static PyObject *Book_best_bid(Book *b, PyObject *Py_UNUSED(ignored)) {
    if (!ready(b))
        return NULL;
    return Side_best(b->bids, NULL);
}

static PyObject *Book_best_ask(Book *b, PyObject *Py_UNUSED(ignored)) {
    if (!ready(b))
        return NULL;
    return Side_best(b->asks, NULL);
}

static PyObject *Book_crossed(Book *b, PyObject *Py_UNUSED(ignored)) {
    if (!ready(b))
        return NULL;
    return PyBool_FromLong(BOTH(b) && BID(b) >= ASK(b));
}

static PyObject *Book_mid(Book *b, PyObject *Py_UNUSED(ignored)) {
    if (!ready(b))
        return NULL;
    if (!BOTH(b))
        Py_RETURN_NONE;
    return PyFloat_FromDouble((BID(b) + ASK(b)) / 2.0);
}

static PyObject *Book_spread_bps(Book *b, PyObject *Py_UNUSED(ignored)) {
    if (!ready(b))
        return NULL;
    if (!BOTH(b))
        Py_RETURN_NONE;
    double bid = BID(b), ask = ASK(b);
    double mid = (bid + ask) / 2.0;
    if (mid <= 0)
        Py_RETURN_NONE;
    return PyFloat_FromDouble((ask - bid) / mid * 1e4);
}

static PyObject *Book_levels(Book *b, PyObject *Py_UNUSED(ignored)) {
    if (!ready(b))
        return NULL;
    PyObject *bids = Side_levels(b->bids, NULL);
    if (bids == NULL)
        return NULL;
    PyObject *asks = Side_levels(b->asks, NULL);
    if (asks == NULL) {
        Py_DECREF(bids);
        return NULL;
    }
    PyObject *out = PyTuple_Pack(2, bids, asks);
    Py_DECREF(bids);
    Py_DECREF(asks);
    return out;
}

static PyObject *Book_get_empty(Book *b, void *Py_UNUSED(c)) {
    if (!ready(b))
        return NULL;
    return PyBool_FromLong(b->bids->n == 0 && b->asks->n == 0);
}

static PyObject *Book_get_bids(Book *b, void *Py_UNUSED(c)) {
    if (!ready(b))
        return NULL;
    return Py_NewRef((PyObject *)b->bids);
}

static PyObject *Book_get_asks(Book *b, void *Py_UNUSED(c)) {
    if (!ready(b))
        return NULL;
    return Py_NewRef((PyObject *)b->asks);
}

/* CRC-32 (IEEE 802.3, the one zlib.crc32 computes), without linking zlib's headers.
 * Sliced by 8 (eight tables, eight bytes a step): a byte-at-a-time table walk is one
 * dependent load per byte, and a Kraken checksum covers ~300 bytes on every update --
 * it cost more than the rest of the update together. */
static uint32_t crc_table[8][256];

static void crc_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[0][i] = c;
    }
    for (int t = 1; t < 8; t++)
        for (uint32_t i = 0; i < 256; i++)
            crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^ crc_table[0][crc_table[t - 1][i] & 0xFF];
}

static uint32_t crc_update(uint32_t crc, const char *buf, Py_ssize_t len) {
    const unsigned char *p = (const unsigned char *)buf;
    crc = ~crc;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (len >= 8) {
        uint32_t one, two;
        memcpy(&one, p, 4);
        memcpy(&two, p + 4, 4);
        one ^= crc;
        crc = crc_table[7][one & 0xFF] ^ crc_table[6][(one >> 8) & 0xFF] ^
              crc_table[5][(one >> 16) & 0xFF] ^ crc_table[4][one >> 24] ^
              crc_table[3][two & 0xFF] ^ crc_table[2][(two >> 8) & 0xFF] ^
              crc_table[1][(two >> 16) & 0xFF] ^ crc_table[0][two >> 24];
        p += 8;
        len -= 8;
    }
#endif
    while (len-- > 0)
        crc = crc_table[0][(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

int book_crc32(Book *b, Py_ssize_t n, int pp, int qp, uint32_t *out) {
    PyObject *asks = side_text(b->asks, n, pp, qp);
    if (asks == NULL)
        return -1;
    PyObject *bids = side_text(b->bids, n, pp, qp);
    if (bids == NULL) {
        Py_DECREF(asks);
        return -1;
    }
    uint32_t crc = crc_update(0, PyBytes_AS_STRING(asks), PyBytes_GET_SIZE(asks));
    *out = crc_update(crc, PyBytes_AS_STRING(bids), PyBytes_GET_SIZE(bids));
    Py_DECREF(asks);
    Py_DECREF(bids);
    return 0;
}

static PyObject *Book_checksum_crc32(Book *b, PyObject *const *args, Py_ssize_t nargs) {
    if (!ready(b))
        return NULL;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "checksum_crc32(n, price_places, qty_places)");
        return NULL;
    }
    Py_ssize_t k;
    int pp, qp;
    if (checksum_args(args, &k, &pp, &qp) < 0)
        return NULL;
    uint32_t crc;
    if (book_crc32(b, k, pp, qp, &crc) < 0)
        return NULL;
    return PyLong_FromUnsignedLong(crc);
}

static PyObject *crc32(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 1 || !PyBytes_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "crc32(bytes)");
        return NULL;
    }
    return PyLong_FromUnsignedLong(
        crc_update(0, PyBytes_AS_STRING(args[0]), PyBytes_GET_SIZE(args[0])));
}

static PyGetSetDef Book_getset[] = {
    {"empty", (getter)Book_get_empty, NULL, "no level on either side", NULL},
    {"bids", (getter)Book_get_bids, NULL, "the bid side", NULL},
    {"asks", (getter)Book_get_asks, NULL, "the ask side", NULL},
    {NULL},
};

static PyMethodDef Book_methods[] = {
    {"clear", (PyCFunction)Book_clear, METH_NOARGS, "empty both sides"},
    {"load", (PyCFunction)(void (*)(void))Book_load, METH_FASTCALL, "replace both sides"},
    {"apply", (PyCFunction)(void (*)(void))Book_apply, METH_FASTCALL, "apply both sides"},
    {"update", (PyCFunction)(void (*)(void))Book_update, METH_FASTCALL,
     "apply both sides; True if the book is then crossed"},
    {"truncate", (PyCFunction)Book_truncate, METH_O, "keep the best depth levels a side"},
    {"best_bid", (PyCFunction)Book_best_bid, METH_NOARGS, "the best bid or None"},
    {"best_ask", (PyCFunction)Book_best_ask, METH_NOARGS, "the best ask or None"},
    {"crossed", (PyCFunction)Book_crossed, METH_NOARGS, "best bid at or above best ask"},
    {"mid", (PyCFunction)Book_mid, METH_NOARGS, "the mid price or None"},
    {"spread_bps", (PyCFunction)Book_spread_bps, METH_NOARGS, "spread in bps of the mid"},
    {"levels", (PyCFunction)Book_levels, METH_NOARGS, "copies of both sides"},
    {"checksum_crc32", (PyCFunction)(void (*)(void))Book_checksum_crc32, METH_FASTCALL,
     "CRC32 of the asks' checksum_text then the bids' (Kraken's order)"},
    {NULL},
};

PyTypeObject BookType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "adapters._book.Book",
    .tp_basicsize = sizeof(Book),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "The L2 book of one instrument (native sides).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Book_init,
    .tp_dealloc = (destructor)Book_dealloc,
    .tp_methods = Book_methods,
    .tp_getset = Book_getset,
};

static PyMethodDef module_methods[] = {
    {"crc32", (PyCFunction)(void (*)(void))crc32, METH_FASTCALL, "zlib's CRC-32 of bytes"},
    {"fragment", (PyCFunction)(void (*)(void))fragment, METH_FASTCALL,
     "value with `places` decimals, point and leading zeros removed"},
    {"parse_levels", (PyCFunction)(void (*)(void))levels_parse_py, METH_FASTCALL,
     "a JSON array of [price, qty] pairs as (price, qty) tuples, or None if not taken"},
    {NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "adapters._book", "A native L2 book side.", -1, module_methods,
};

PyMODINIT_FUNC PyInit__book(void) {
    if (PyType_Ready(&SideType) < 0 || PyType_Ready(&BookType) < 0)
        return NULL;
    crc_init();
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&SideType);
    if (PyModule_AddObject(m, "BookSide", (PyObject *)&SideType) < 0) {
        Py_DECREF(&SideType);
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&BookType);
    if (PyModule_AddObject(m, "Book", (PyObject *)&BookType) < 0) {
        Py_DECREF(&BookType);
        Py_DECREF(m);
        return NULL;
    }
    if (binance_add(m) < 0 || kraken_add(m) < 0 || tracker_add_type(m) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
