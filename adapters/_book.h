/*
 * What the three sources of adapters._book share: the book's layout (_book.c), the
 * per-instrument tracker that applies a whole update in one call (_tracker.c) and the
 * parser of JSON level arrays straight into C doubles (_levels.c).
 */
#ifndef VENUEWATCH_BOOK_H
#define VENUEWATCH_BOOK_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    double key;
    double qty;
} Level;

typedef struct {
    PyObject_HEAD
    Level *lv;
    Py_ssize_t n;
    Py_ssize_t cap;
    int sign;
    unsigned long long version;
    /* Checksum text of the top levels, reused while the side is unchanged. */
    PyObject *text;
    unsigned long long text_version;
    Py_ssize_t text_n;
    int text_pp, text_qp;
} Side;

typedef struct {
    PyObject_HEAD
    Side *bids;
    Side *asks;
} Book;

extern PyTypeObject BookType;

/* One (price, qty) pair from a decoded level (tuple, list, any 2-item sequence);
 * -1 with ValueError/TypeError set (a NaN price is a ValueError). */
int read_pair(PyObject *item, double *price, double *qty);
/* Set an absolute quantity at key (price * sign); 0 removes. -1 only on no memory. */
int set_level(Side *s, double key, double qty);
/* Kraken's CRC32 of the best n levels' text (asks, then bids), from the sides' cached
 * texts. pp/qp must be in 0..1000000. -1 with an error set (no memory). */
int book_crc32(Book *b, Py_ssize_t n, int pp, int qp, uint32_t *out);

/* Levels staged before anything is applied: a message is applied whole or not at all. */
typedef struct {
    double price;
    double qty;
} Pair;

#define PAIRS_LOCAL 64

typedef struct {
    Pair *v;
    Py_ssize_t n;
    Py_ssize_t cap;
    Pair local[PAIRS_LOCAL];
} Pairs;

void pairs_init(Pairs *p);
void pairs_free(Pairs *p);
int pairs_push(Pairs *p, double price, double qty); /* -1: no memory (error set) */

/* Parse a JSON array of [price, qty] pairs (numbers, or numbers in quotes) into out;
 * objects: of {"price": number, "qty": number} objects instead (Kraken v2).
 * 1: parsed; 0: not in the strict grammar (nothing to apply: the caller lets msgspec
 * decide and word the error); -1: an error is set (no memory). */
int levels_parse(const char *buf, Py_ssize_t len, Pairs *out, int objects);

/* The longest number text the native parser takes (a longer one is msgspec's). */
#define LEVELS_MAX_NUMBER 400

PyObject *levels_parse_py(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
int tracker_add_type(PyObject *module);
/* The rule's verdict on an update whose levels are staged and, if it applies, the
 * update (step_ms's semantics): a verdict, -2 when `tracker` is not a native Tracker
 * that can take it, -1 with an error set. */
int tracker_step_staged(PyObject *tracker, long long seq, long long first, long long prev,
                        long long exch_ms, long long recv_ns, long long recv_mono,
                        const Pairs *bids, const Pairs *asks);
int tracker_step_checked_staged(PyObject *tracker, const char *ts, Py_ssize_t ts_n,
                                long long recv_ns, long long recv_mono, const Pairs *bids,
                                const Pairs *asks, long long expected, Py_ssize_t n, int pp,
                                int qp);
int kraken_add(PyObject *module);
/* Scan a JSON level array at p (see levels_parse): the byte after it, or NULL when it is
 * not in the grammar (*error set to 1 on no memory, with the exception set). */
const char *levels_scan(const char *p, const char *end, Pairs *out, int objects, int *error);
int binance_add(PyObject *module);

#endif
