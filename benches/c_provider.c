/*
 * The floor for benches/com.rs: a store provider object (IUnknown + IMAPISync) and a
 * progress callback (IMAPISyncProgressCallback) written by hand in C against
 * generated/include/mapisync.h. The benchmark compiles it with gcc and loads it.
 */
#define INITGUID
#include "mapisync.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

/* ---- the done event: a flag behind a mutex and a condition variable ---- */

typedef struct Event {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int set;
    int refs; /* the caller's handle and the thread's */
} Event;

static void event_release(Event *e) {
    if (__atomic_sub_fetch(&e->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        pthread_mutex_destroy(&e->lock);
        pthread_cond_destroy(&e->cond);
        free(e);
    }
}

void c_event_wait(HANDLE h) {
    Event *e = (Event *)h;
    pthread_mutex_lock(&e->lock);
    while (!e->set) pthread_cond_wait(&e->cond, &e->lock);
    pthread_mutex_unlock(&e->lock);
}

void c_event_close(HANDLE h) { event_release((Event *)h); }

/* ---- the store ---- */

typedef struct Store {
    IMAPISync iface;
    ULONG refs;
} Store;

static HRESULT STDMETHODCALLTYPE store_qi(IMAPISync *This, REFIID riid, void **ppv) {
    if (!riid || !ppv) return E_POINTER;
    if (memcmp(riid, &IID_IUnknown, sizeof(GUID)) == 0 || memcmp(riid, &IID_IMAPISync, sizeof(GUID)) == 0) {
        __atomic_add_fetch(&((Store *)This)->refs, 1, __ATOMIC_RELAXED);
        *ppv = This;
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE store_addref(IMAPISync *This) {
    return __atomic_add_fetch(&((Store *)This)->refs, 1, __ATOMIC_RELAXED);
}

static ULONG STDMETHODCALLTYPE store_release(IMAPISync *This) {
    ULONG n = __atomic_sub_fetch(&((Store *)This)->refs, 1, __ATOMIC_ACQ_REL);
    if (n == 0) free(This);
    return n;
}

typedef struct Job {
    IMAPISync *store;
    IMAPISyncProgressCallback *callback;
    Event *event;
} Job;

static void *sync_thread(void *arg) {
    Job *job = (Job *)arg;
    job->callback->lpVtbl->Done(job->callback, (HANDLE)job->event, S_OK);
    job->callback->lpVtbl->Release(job->callback);
    job->store->lpVtbl->Release(job->store);
    pthread_mutex_lock(&job->event->lock);
    job->event->set = 1;
    pthread_cond_broadcast(&job->event->cond);
    pthread_mutex_unlock(&job->event->lock);
    event_release(job->event);
    free(job);
    return NULL;
}

static HRESULT STDMETHODCALLTYPE store_sync(IMAPISync *This, PMAPISIB sib) {
    IMAPISyncProgressCallback *cb = NULL;
    if (!sib || sib->ulSize < sizeof(MAPISIB) || !sib->phSyncDoneEvent || !sib->punkCallBack)
        return MAPI_E_INVALID_PARAMETER;
    if (sib->punkCallBack->lpVtbl->QueryInterface(sib->punkCallBack, &IID_IMAPISyncProgressCallback,
                                                  (void **)&cb) != S_OK)
        return MAPI_E_INVALID_PARAMETER;
    Event *e = (Event *)calloc(1, sizeof *e);
    Job *job = (Job *)malloc(sizeof *job);
    pthread_mutex_init(&e->lock, NULL);
    pthread_cond_init(&e->cond, NULL);
    e->refs = 2;
    job->store = This;
    job->callback = cb;
    job->event = e;
    store_addref(This);
    *sib->phSyncDoneEvent = (HANDLE)e;
    pthread_t t;
    if (pthread_create(&t, NULL, sync_thread, job) != 0) {
        *sib->phSyncDoneEvent = NULL;
        cb->lpVtbl->Release(cb);
        store_release(This);
        event_release(e);
        event_release(e);
        free(job);
        return E_UNEXPECTED;
    }
    pthread_detach(t);
    return S_OK;
}

static const IMAPISyncVtbl store_vtbl = {store_qi, store_addref, store_release, store_sync};

IUnknown *c_store_new(void) {
    Store *s = (Store *)calloc(1, sizeof *s);
    s->iface.lpVtbl = &store_vtbl;
    s->refs = 1;
    return (IUnknown *)s;
}

/* ---- the callback ---- */

typedef struct Callback {
    IMAPISyncProgressCallback iface;
    ULONG refs;
    ULONG last;
} Callback;

static HRESULT STDMETHODCALLTYPE cb_qi(IMAPISyncProgressCallback *This, REFIID riid, void **ppv) {
    if (!riid || !ppv) return E_POINTER;
    if (memcmp(riid, &IID_IUnknown, sizeof(GUID)) == 0 ||
        memcmp(riid, &IID_IMAPISyncProgressCallback, sizeof(GUID)) == 0) {
        __atomic_add_fetch(&((Callback *)This)->refs, 1, __ATOMIC_RELAXED);
        *ppv = This;
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}
static ULONG STDMETHODCALLTYPE cb_addref(IMAPISyncProgressCallback *This) {
    return __atomic_add_fetch(&((Callback *)This)->refs, 1, __ATOMIC_RELAXED);
}
static ULONG STDMETHODCALLTYPE cb_release(IMAPISyncProgressCallback *This) {
    return __atomic_sub_fetch(&((Callback *)This)->refs, 1, __ATOMIC_ACQ_REL);
}
static HRESULT STDMETHODCALLTYPE cb_progress(IMAPISyncProgressCallback *This, const WCHAR *t, ULONG i, ULONG m) {
    (void)t;
    (void)m;
    __atomic_store_n(&((Callback *)This)->last, i, __ATOMIC_RELAXED);
    return S_OK;
}
static HRESULT STDMETHODCALLTYPE cb_error(IMAPISyncProgressCallback *This, HRESULT hr, const WCHAR *t) {
    (void)This;
    (void)hr;
    (void)t;
    return S_OK;
}
static HRESULT STDMETHODCALLTYPE cb_done(IMAPISyncProgressCallback *This, HANDLE e, HRESULT hr) {
    (void)This;
    (void)e;
    (void)hr;
    return S_OK;
}

static const IMAPISyncProgressCallbackVtbl cb_vtbl = {cb_qi, cb_addref, cb_release, cb_progress, cb_error, cb_done};

IMAPISyncProgressCallback *c_callback_new(void) {
    Callback *c = (Callback *)calloc(1, sizeof *c);
    c->iface.lpVtbl = &cb_vtbl;
    c->refs = 1;
    return (IMAPISyncProgressCallback *)c;
}

/* ---- property values: the same conversions as mapi_sync::props, by hand ---- */

/* SPropValue as the MAPI headers lay it out on 64-bit Windows (and so in the bindings on
 * every 64-bit host): only the members the benchmark's types use. */
typedef int32_t CLONG; /* LONG: 32 bits on Windows */
typedef struct { ULONG cb; unsigned char *lpb; } CBinary;
typedef struct { ULONG cValues; CLONG *lpl; } CLongArray;
typedef union {
    CLONG l;
    unsigned short b;
    long long li;
    struct { ULONG lo, hi; } ft;
    char *lpszA;
    WCHAR *lpszW;
    CBinary bin;
    CLONG err;
    CLongArray MVl;
    double dbl; /* the union's alignment, as in mapidefs.h */
} CPV;
typedef struct {
    ULONG ulPropTag;
    ULONG dwAlignPad;
    CPV Value;
} CPropValue;
_Static_assert(sizeof(void *) != 8 || sizeof(CPropValue) == 24, "SPropValue is 24 bytes on 64-bit");

enum { T_LONG = 0x3, T_BOOLEAN = 0xB, T_I8 = 0x14, T_SYSTIME = 0x40, T_STRING8 = 0x1E,
       T_UNICODE = 0x1F, T_BINARY = 0x102, T_ERROR = 0xA, T_MV_LONG = 0x1003 };

/* A value read out of an SPropValue: scalars copied, data borrowed with its length. */
typedef struct {
    ULONG tag;
    long long scalar;
    const void *data;
    size_t len;
} CProp;

size_t c_prop_size(void) { return sizeof(CProp); }

/* Reads n values; 0 on success, -1 on a type it does not know or a null pointer. */
int c_read_props(const CPropValue *in, ULONG n, CProp *out) {
    for (ULONG i = 0; i < n; i++) {
        const CPropValue *v = &in[i];
        CProp *p = &out[i];
        p->tag = v->ulPropTag;
        p->data = NULL;
        p->len = 0;
        switch (v->ulPropTag & 0xFFFF) {
        case T_LONG: p->scalar = v->Value.l; break;
        case T_BOOLEAN: p->scalar = v->Value.b != 0; break;
        case T_I8: p->scalar = v->Value.li; break;
        case T_SYSTIME: p->scalar = (long long)(((unsigned long long)v->Value.ft.hi << 32) | v->Value.ft.lo); break;
        case T_ERROR: p->scalar = v->Value.err; break;
        case T_UNICODE: {
            const WCHAR *w = v->Value.lpszW;
            if (!w) return -1;
            size_t len = 0;
            while (w[len]) len++;
            p->data = w;
            p->len = len;
            break;
        }
        case T_STRING8: {
            const char *a = v->Value.lpszA;
            if (!a) return -1;
            p->data = a;
            p->len = strlen(a);
            break;
        }
        case T_BINARY:
            if (v->Value.bin.cb && !v->Value.bin.lpb) return -1;
            p->data = v->Value.bin.lpb;
            p->len = v->Value.bin.cb;
            break;
        case T_MV_LONG:
            if (v->Value.MVl.cValues && !v->Value.MVl.lpl) return -1;
            p->data = v->Value.MVl.lpl;
            p->len = v->Value.MVl.cValues;
            break;
        default: return -1;
        }
    }
    return 0;
}

typedef SCODE (*alloc_buffer_fn)(ULONG, void **);
typedef SCODE (*alloc_more_fn)(ULONG, void *, void **);

/* Copies `size` bytes into a child of `root`, with `extra` zero bytes after them. */
static void *copy_more(alloc_more_fn more, void *root, const void *data, size_t size, size_t extra) {
    void *p = NULL;
    if (more((ULONG)(size + extra), root, &p) < 0) return NULL;
    memcpy(p, data, size);
    memset((char *)p + size, 0, extra);
    return p;
}

/* Writes n values into one MAPI buffer (strings and arrays as its children). */
CPropValue *c_write_props(const CProp *in, ULONG n, alloc_buffer_fn buffer, alloc_more_fn more) {
    CPropValue *out = NULL;
    if (buffer((ULONG)(n * sizeof *out), (void **)&out) < 0) return NULL;
    memset(out, 0, n * sizeof *out);
    for (ULONG i = 0; i < n; i++) {
        const CProp *p = &in[i];
        CPropValue *v = &out[i];
        v->ulPropTag = p->tag;
        switch (p->tag & 0xFFFF) {
        case T_LONG: v->Value.l = (CLONG)p->scalar; break;
        case T_BOOLEAN: v->Value.b = (unsigned short)(p->scalar != 0); break;
        case T_I8: v->Value.li = p->scalar; break;
        case T_SYSTIME:
            v->Value.ft.lo = (ULONG)p->scalar;
            v->Value.ft.hi = (ULONG)((unsigned long long)p->scalar >> 32);
            break;
        case T_ERROR: v->Value.err = (CLONG)p->scalar; break;
        case T_UNICODE: v->Value.lpszW = copy_more(more, out, p->data, p->len * sizeof(WCHAR), sizeof(WCHAR)); break;
        case T_STRING8: v->Value.lpszA = copy_more(more, out, p->data, p->len, 1); break;
        case T_BINARY:
            v->Value.bin.cb = (ULONG)p->len;
            v->Value.bin.lpb = copy_more(more, out, p->data, p->len, 0);
            break;
        case T_MV_LONG:
            v->Value.MVl.cValues = (ULONG)p->len;
            v->Value.MVl.lpl = copy_more(more, out, p->data, p->len * sizeof(CLONG), 0);
            break;
        default: break;
        }
    }
    return out;
}
