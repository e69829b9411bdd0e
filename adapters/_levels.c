/*
 * A JSON array of [price, qty] pairs, parsed straight into C doubles.
 *
 * Why hand-written: no library parses JSON number pairs into a C array without
 * making Python objects on the way (msgspec gives a list of tuples of floats: three
 * objects per level, most of a small update's cost). Binance sends each level as
 * ["50000.01000000","0.25000000"]; the session decodes the frame's envelope with
 * msgspec and leaves "b"/"a" as msgspec.Raw, and the tracker hands those bytes here.
 *
 * The grammar is strict and small: an array of two-element arrays of JSON numbers,
 * each bare or in double quotes, JSON whitespace between tokens; or, when the caller
 * asks for objects (Kraken v2), an array of {"price": number, "qty": number}, bare
 * numbers, those two members in that order. The caller names the form its venue
 * sends: the other is refused like any other unexpected text. Anything else --
 * "nan", "inf", hex, a sign msgspec would not take, escapes, a third element, a
 * number longer than LEVELS_MAX_NUMBER, a value that overflows to infinity -- is
 * "not parsed" (0): nothing is applied and the caller decodes the same bytes with
 * msgspec, so what msgspec accepts still applies and what it rejects is worded by
 * msgspec. The whole array is parsed before the caller applies anything.
 *
 * The doubles are the ones float() and msgspec give (both correctly rounded): a
 * number of at most 19 significant digits whose mantissa is at most 2**53 and whose
 * decimal exponent is within +-22 is m * 10**e or m / 10**-e -- exact operands, one
 * IEEE rounding, so correctly rounded (Clinger's fast path, which is what a quoted
 * 8-decimal Binance level always takes); any other number goes to CPython's own
 * correctly rounded PyOS_string_to_double, the routine float() uses.
 */
#include "_book.h"

void pairs_init(Pairs *p) {
    p->v = p->local;
    p->n = 0;
    p->cap = PAIRS_LOCAL;
}

void pairs_free(Pairs *p) {
    if (p->v != p->local)
        PyMem_Free(p->v);
    pairs_init(p);
}

int pairs_push(Pairs *p, double price, double qty) {
    if (p->n == p->cap) {
        Py_ssize_t cap = p->cap * 2;
        Pair *v;
        if (p->v == p->local) {
            v = PyMem_Malloc((size_t)cap * sizeof(Pair));
            if (v != NULL)
                memcpy(v, p->local, sizeof p->local);
        } else {
            v = PyMem_Realloc(p->v, (size_t)cap * sizeof(Pair));
        }
        if (v == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        p->v = v;
        p->cap = cap;
    }
    p->v[p->n].price = price;
    p->v[p->n].qty = qty;
    p->n++;
    return 0;
}

static const double POW10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
#define TWO53 9007199254740992ULL

static inline int is_digit(char c) { return c >= '0' && c <= '9'; }

static inline const char *skip_ws(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* One JSON number at p. Returns the byte after it, or NULL when it is not one (or not
 * one this parser takes). Every digit goes into m (wrapping past 19 digits, when the
 * slow path below takes over anyway): one compare and one multiply-add a character. */
static const char *number(const char *p, const char *end, double *out) {
    const char *start = p;
    int neg = 0;
    uint64_t m = 0;
    long exp10 = 0;
    if (p < end && *p == '-') {
        neg = 1;
        p++;
    }
    const char *first = p;
    if (p >= end)
        return NULL;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < end && (unsigned char)(*p - '0') <= 9)
            m = m * 10 + (uint64_t)(*p++ - '0');
    } else {
        return NULL;
    }
    Py_ssize_t digits = p - first;
    if (p < end && *p == '.') {
        const char *frac = ++p;
        while (p < end && (unsigned char)(*p - '0') <= 9)
            m = m * 10 + (uint64_t)(*p++ - '0');
        if (p == frac)
            return NULL;
        digits += p - frac;
        exp10 = -(long)(p - frac);
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        int eneg = 0;
        long e = 0;
        p++;
        if (p < end && (*p == '+' || *p == '-')) {
            eneg = *p == '-';
            p++;
        }
        if (p >= end || !is_digit(*p))
            return NULL;
        while (p < end && is_digit(*p)) {
            if (e < 100000)
                e = e * 10 + (*p - '0');
            p++;
        }
        exp10 += eneg ? -e : e;
    }
    if (p - start > LEVELS_MAX_NUMBER)
        return NULL;
    /* At most 19 digits (leading zeros included) cannot have wrapped: m < 10**19. */
    if (digits <= 19 && (m == 0 || (m <= TWO53 && exp10 >= -22 && exp10 <= 22))) {
        double v = (double)m; /* exact: m <= 2**53 */
        if (m != 0)
            v = exp10 < 0 ? v / POW10[-exp10] : v * POW10[exp10];
        *out = neg ? -v : v;
        return p;
    }
    /* Long or far from 1: CPython's correctly rounded conversion, on a copy that ends. */
    char text[LEVELS_MAX_NUMBER + 1];
    Py_ssize_t n = p - start;
    memcpy(text, start, (size_t)n);
    text[n] = '\0';
    char *stop = NULL;
    double v = PyOS_string_to_double(text, &stop, NULL);
    if (v == -1.0 && PyErr_Occurred()) {
        PyErr_Clear();
        return NULL;
    }
    if (stop != text + n || !isfinite(v))
        return NULL; /* overflow to infinity: msgspec's call */
    *out = v;
    return p;
}

/* A number, bare or quoted. */
static const char *value(const char *p, const char *end, double *out) {
    if (p < end && *p == '"') {
        p = number(p + 1, end, out);
        if (p == NULL || p >= end || *p != '"')
            return NULL;
        return p + 1;
    }
    return number(p, end, out);
}

/* `"key"` ws `:` ws a bare number (Kraken's levels are objects of JSON numbers; a
 * quoted number there is a string msgspec's typed decode refuses, so this does too). */
static const char *member(const char *p, const char *end, const char *key, Py_ssize_t klen,
                          double *out) {
    if (end - p < klen + 2 || *p != '"' || memcmp(p + 1, key, (size_t)klen) != 0 ||
        p[klen + 1] != '"')
        return NULL;
    p = skip_ws(p + klen + 2, end);
    if (p >= end || *p != ':')
        return NULL;
    return number(skip_ws(p + 1, end), end, out);
}

/* One level: [price, qty] (bare or quoted numbers), or, when objects is set,
 * {"price": number, "qty": number} in that order with no other member. */
static const char *level(const char *p, const char *end, int objects, double *price, double *qty) {
    if (p >= end || *p != (objects ? '{' : '['))
        return NULL;
    p = skip_ws(p + 1, end);
    p = objects ? member(p, end, "price", 5, price) : value(p, end, price);
    if (p == NULL)
        return NULL;
    p = skip_ws(p, end);
    if (p >= end || *p != ',')
        return NULL;
    p = skip_ws(p + 1, end);
    p = objects ? member(p, end, "qty", 3, qty) : value(p, end, qty);
    if (p == NULL)
        return NULL;
    p = skip_ws(p, end);
    if (p >= end || *p != (objects ? '}' : ']'))
        return NULL;
    return p + 1;
}

const char *levels_scan(const char *p, const char *end, Pairs *out, int objects, int *error) {
    out->n = 0;
    *error = 0;
    if (p >= end || *p != '[')
        return NULL;
    p = skip_ws(p + 1, end);
    if (p < end && *p == ']')
        return p + 1;
    for (;;) {
        double price, qty;
        if ((p = level(p, end, objects, &price, &qty)) == NULL)
            return NULL;
        if (pairs_push(out, price, qty) < 0) {
            *error = 1;
            return NULL;
        }
        p = skip_ws(p, end);
        if (p < end && *p == ',') {
            p = skip_ws(p + 1, end);
            continue;
        }
        if (p < end && *p == ']')
            return p + 1;
        return NULL;
    }
}

int levels_parse(const char *buf, Py_ssize_t len, Pairs *out, int objects) {
    const char *end = buf + len;
    int error;
    const char *p = levels_scan(skip_ws(buf, end), end, out, objects, &error);
    if (p == NULL)
        return error ? -1 : 0;
    return skip_ws(p, end) == end;
}

/* parse_levels(buffer, objects=False): the pairs as a list of (price, qty) tuples, or
 * None when the native grammar does not take them. For tests (the tracker never makes
 * the tuples). */
PyObject *levels_parse_py(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
    if (nargs < 1 || nargs > 2) {
        PyErr_SetString(PyExc_TypeError, "parse_levels(raw, objects=False)");
        return NULL;
    }
    int objects = nargs == 2 ? PyObject_IsTrue(args[1]) : 0;
    if (objects < 0)
        return NULL;
    Py_buffer view;
    if (PyObject_GetBuffer(args[0], &view, PyBUF_SIMPLE) < 0)
        return NULL;
    Pairs pairs;
    pairs_init(&pairs);
    int ok = levels_parse(view.buf, view.len, &pairs, objects);
    PyBuffer_Release(&view);
    if (ok <= 0) {
        pairs_free(&pairs);
        if (ok < 0)
            return NULL;
        Py_RETURN_NONE;
    }
    PyObject *list = PyList_New(pairs.n);
    for (Py_ssize_t j = 0; list != NULL && j < pairs.n; j++) {
        PyObject *t = Py_BuildValue("(dd)", pairs.v[j].price, pairs.v[j].qty);
        if (t == NULL)
            Py_CLEAR(list);
        else
            PyList_SET_ITEM(list, j, t);
    }
    pairs_free(&pairs);
    return list;
}
