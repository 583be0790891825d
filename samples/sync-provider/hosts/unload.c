/*
 * A host that loads and unloads the provider library again and again, as a long-running
 * Outlook does when profiles are opened and closed: no Rust compiler saw this code.
 *
 * Usage: unload PROVIDER_LIBRARY ROUNDS MODE
 *   MODE "cycle":     each round loads the library, creates a store, runs one sync,
 *                     waits for the done event, releases everything and unloads it.
 *   MODE "at-event":  each round releases the store right after SynchronizeInBackground
 *                     (the sync thread keeps it alive) and unloads the library the moment
 *                     the done event fires, while the sync thread is still finishing; then
 *                     goes on running (and touches the memory the thread used) before the
 *                     next round.
 * Prints one line per mode ("ok NAME" or "FAIL NAME: ..."), then "N passed, M failed".
 */
#define INITGUID
#define COBJMACROS
#include "mapisync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#ifdef _WIN32
#define LOAD(path) ((void *)LoadLibraryA(path))
#define SYMBOL(lib, name) ((void *)GetProcAddress((HMODULE)(lib), name))
#define UNLOAD(lib) (FreeLibrary((HMODULE)(lib)) ? 0 : -1)
#else
#include <dlfcn.h>
#include <time.h>
#define LOAD(path) dlopen(path, RTLD_NOW | RTLD_LOCAL)
#define SYMBOL(lib, name) dlsym(lib, name)
#define UNLOAD(lib) dlclose(lib)
#endif

typedef HRESULT(STDMETHODCALLTYPE *create_fn)(ULONG mode, IUnknown **out);
typedef ULONG(STDMETHODCALLTYPE *live_fn)(void);
#ifndef _WIN32
/* The header's types for the runtime's done-event exports (Linux). */
typedef LPMAPISYNC_WAITDONEEVENT wait_fn;
typedef LPMAPISYNC_CLOSEDONEEVENT close_fn;
#endif

/* A callback that lives in the host, so it outlives every unload. */
typedef struct Callback {
    IMAPISyncProgressCallback iface;
    volatile int32_t refs;
    volatile int32_t done;
} Callback;

static HRESULT STDMETHODCALLTYPE cb_query(IMAPISyncProgressCallback *This, REFIID riid, void **ppv) {
    if (!ppv) return E_POINTER;
    *ppv = NULL;
    if (memcmp(riid, &IID_IUnknown, sizeof(GUID)) == 0 ||
        memcmp(riid, &IID_IMAPISyncProgressCallback, sizeof(GUID)) == 0) {
        __atomic_add_fetch(&((Callback *)This)->refs, 1, __ATOMIC_SEQ_CST);
        *ppv = This;
        return S_OK;
    }
    return E_NOINTERFACE;
}
static ULONG STDMETHODCALLTYPE cb_addref(IMAPISyncProgressCallback *This) {
    return (ULONG)__atomic_add_fetch(&((Callback *)This)->refs, 1, __ATOMIC_SEQ_CST);
}
static ULONG STDMETHODCALLTYPE cb_release(IMAPISyncProgressCallback *This) {
    return (ULONG)__atomic_sub_fetch(&((Callback *)This)->refs, 1, __ATOMIC_SEQ_CST);
}
static HRESULT STDMETHODCALLTYPE cb_progress(IMAPISyncProgressCallback *This, const WCHAR *t, ULONG i, ULONG m) {
    (void)This; (void)t; (void)i; (void)m;
    return S_OK;
}
static HRESULT STDMETHODCALLTYPE cb_error(IMAPISyncProgressCallback *This, HRESULT hr, const WCHAR *t) {
    (void)This; (void)hr; (void)t;
    return S_OK;
}
static HRESULT STDMETHODCALLTYPE cb_done(IMAPISyncProgressCallback *This, HANDLE e, HRESULT hr) {
    (void)e; (void)hr;
    __atomic_add_fetch(&((Callback *)This)->done, 1, __ATOMIC_SEQ_CST);
    return S_OK;
}
static const IMAPISyncProgressCallbackVtbl cb_vtbl = {
    cb_query, cb_addref, cb_release, cb_progress, cb_error, cb_done,
};

/* One round; returns NULL or what went wrong. */
static const char *round_trip(const char *path, int at_event) {
    static char why[256];
    void *lib = LOAD(path);
    if (!lib) return "the library does not load";
    create_fn create = (create_fn)SYMBOL(lib, "MapiSyncSample_Create");
    live_fn live = (live_fn)SYMBOL(lib, "MapiSyncSample_LiveObjects");
#ifndef _WIN32
    wait_fn wait_event = (wait_fn)SYMBOL(lib, "MapiSync_WaitDoneEvent");
    close_fn close_event = (close_fn)SYMBOL(lib, "MapiSync_CloseDoneEvent");
    if (!wait_event || !close_event) return "no event exports";
#endif
    if (!create || !live) return "no factory exports";
    ULONG live_before = live();
    IUnknown *unk = NULL;
    IMAPISync *sync = NULL;
    if (create(0, &unk) != S_OK || !unk) return "the factory failed";
    if (IUnknown_QueryInterface(unk, &IID_IMAPISync, (void **)&sync) != S_OK) return "no IMAPISync";
    Callback cb = {{&cb_vtbl}, 1, 0};
    HANDLE event = NULL;
    MAPISIB sib;
    memset(&sib, 0, sizeof sib);
    sib.ulSize = sizeof sib;
    sib.punkCallBack = (IUnknown *)&cb.iface;
    sib.phSyncDoneEvent = &event;
    HRESULT hr = IMAPISync_SynchronizeInBackground(sync, &sib);
    if (hr != S_OK || !event) {
        snprintf(why, sizeof why, "SynchronizeInBackground = 0x%08lX", (unsigned long)(ULONG)hr);
        return why;
    }
    if (at_event) {
        /* Nothing of the host's holds the store now: only the sync thread does. */
        IMAPISync_Release(sync);
        IUnknown_Release(unk);
    }
#ifdef _WIN32
    if (WaitForSingleObject(event, 30000) != WAIT_OBJECT_0) return "the done event never fired";
    if (at_event) {
        /* The moment it fires: unload, then close our (kernel) handle. */
        if (UNLOAD(lib) != 0) return "FreeLibrary failed";
        CloseHandle(event);
        /* Keep running while the sync thread leaves the provider's code. */
        Sleep(1);
    }
#else
    if (wait_event(event, 30000) != 0) return "the done event never fired";
    /* The stand-in event lives in the provider: close it, then unload at once. */
    close_event(event);
    if (at_event) {
        if (UNLOAD(lib) != 0) return "dlclose failed";
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, NULL);
    }
#endif
    if (cb.done != 1) return "Done was not called once";
    if (!at_event) {
#ifdef _WIN32
        CloseHandle(event);
#endif
        IMAPISync_Release(sync);
        if (IUnknown_Release(unk) != 0) return "the last Release did not return 0";
        if (live() != live_before) return "the store was not dropped";
        if (UNLOAD(lib) != 0) return "unloading failed";
    }
    /* The thread gives up its reference to our callback after Done; wait for it. */
    for (int i = 0; i < 10000 && __atomic_load_n(&cb.refs, __ATOMIC_SEQ_CST) != 1; i++) {
#ifdef _WIN32
        Sleep(1);
#else
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, NULL);
#endif
    }
    if (cb.refs != 1) return "the callback's references did not come back";
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s PROVIDER_LIBRARY ROUNDS cycle|at-event\n", argv[0]);
        return 2;
    }
    int rounds = atoi(argv[2]);
    int at_event = strcmp(argv[3], "at-event") == 0;
    if (!at_event && strcmp(argv[3], "cycle") != 0) {
        fprintf(stderr, "unknown mode %s\n", argv[3]);
        return 2;
    }
    const char *name = at_event ? "unload_at_event" : "load_sync_unload";
    for (int i = 0; i < rounds; i++) {
        const char *why = round_trip(argv[1], at_event);
        if (why) {
            printf("FAIL %s: round %d of %d: %s\n", name, i + 1, rounds, why);
            printf("0 passed, 1 failed\n");
            return 1;
        }
    }
    printf("ok %s\n", name);
    printf("1 passed, 0 failed\n");
    return 0;
}
