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
