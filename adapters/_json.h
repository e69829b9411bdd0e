/*
 * What the native frame readers (_binance.c, _kraken.c) share: a strict reader of the
 * few JSON tokens a venue's book frame holds, and the counters they bump on the
 * instrument's state. Anything these do not read is "not mine": the reader answers
 * None and the feed's msgspec path takes the frame.
 */
#ifndef VENUEWATCH_JSON_H
#define VENUEWATCH_JSON_H

#include "_book.h"

extern PyObject *s_synced, *s_core, *s_frames, *s_checksum_ok, *s_last_update_mono;
int json_init(void);

static inline const char *ws(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* ws "name" ws ':' ws */
static inline const char *key(const char *p, const char *end, const char *name) {
    size_t n = strlen(name);
    p = ws(p, end);
    if ((size_t)(end - p) < n + 2 || *p != '"' || memcmp(p + 1, name, n) != 0 || p[n + 1] != '"')
        return NULL;
    p = ws(p + n + 2, end);
    if (p >= end || *p != ':')
        return NULL;
    return ws(p + 1, end);
}

/* A string of printable ASCII with no escape: its bytes in [*s, *s + *n). */
static inline const char *text(const char *p, const char *end, const char **s, Py_ssize_t *n) {
    if (p >= end || *p != '"')
        return NULL;
    const char *q = ++p;
    while (q < end && *q != '"') {
        unsigned char c = (unsigned char)*q;
        if (c < 0x20 || c > 0x7e || c == '\\')
            return NULL;
        q++;
    }
    if (q >= end)
        return NULL;
    *s = p;
    *n = q - p;
    return q + 1;
}

/* A JSON integer >= 0 of at most 18 digits (no leading zero): fits a long long. */
static inline const char *integer(const char *p, const char *end, long long *out) {
    const char *start = p;
    long long v = 0;
    while (p < end && *p >= '0' && *p <= '9')
        v = v * 10 + (*p++ - '0');
    Py_ssize_t n = p - start;
    if (n == 0 || n > 18 || (n > 1 && *start == '0'))
        return NULL;
    if (p < end && (*p == '.' || *p == 'e' || *p == 'E'))
        return NULL;
    *out = v;
    return p;
}

/* ws ',' */
static inline const char *comma(const char *p, const char *end) {
    p = ws(p, end);
    return p < end && *p == ',' ? p + 1 : NULL;
}

static inline int as_ll(PyObject *o, long long *out) {
    int overflow = 0;
    *out = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (*out == -1 && PyErr_Occurred())
        return -1;
    return overflow ? 0 : 1;
}

static inline int bump(PyObject *st, PyObject *name) {
    PyObject *v = PyObject_GetAttr(st, name);
    if (v == NULL)
        return -1;
    PyObject *one = PyLong_FromLong(1);
    PyObject *w = one == NULL ? NULL : PyNumber_Add(v, one);
    Py_DECREF(v);
    Py_XDECREF(one);
    if (w == NULL)
        return -1;
    int r = PyObject_SetAttr(st, name, w);
    Py_DECREF(w);
    return r;
}

/* A route's arguments: 1 when both clocks fit int64, the frame is bytes and the
 * instruments a dict; 0 when any is not (the ordinary path's to word); -1: error. */
static inline int route_args(PyObject *instruments, PyObject *frame, PyObject *ns, PyObject *mono,
                             long long *recv_ns, long long *recv_mono) {
    int ok_ns = as_ll(ns, recv_ns), ok_mono = as_ll(mono, recv_mono);
    if (ok_ns < 0 || ok_mono < 0)
        return -1;
    return ok_ns && ok_mono && PyBytes_CheckExact(frame) && PyDict_CheckExact(instruments);
}

/* The instrument a frame names, if it is known and synced: 1, with *sym and *st new
 * references; 0 when it is unknown or not synced (the ordinary path counts it); -1: error.
 * *sym and *st are set whenever made, for the caller's cleanup. */
static inline int synced_state(PyObject *instruments, const char *s, Py_ssize_t n, PyObject **sym,
                               PyObject **st) {
    if ((*sym = PyUnicode_FromStringAndSize(s, n)) == NULL)
        return -1;
    PyObject *found = PyDict_GetItemWithError(instruments, *sym);
    if (found == NULL)
        return PyErr_Occurred() ? -1 : 0;
    *st = Py_NewRef(found);
    PyObject *synced = PyObject_GetAttr(found, s_synced);
    int truth = synced == NULL ? -1 : PyObject_IsTrue(synced);
    Py_XDECREF(synced);
    return truth;
}

#endif
