/*
 * The first-hour host: drives the README's provider (tests/crates/package/src/lib.rs, built
 * from the packaged crates) through the one generated header, mapi-sync.h, and nothing else of
 * MAPI's or ours: no type declared here by hand. Built with gcc for Linux and with
 * mingw-w64 for Windows (run under Wine) by `cargo xtask test`.
 *
 * Usage: host PROVIDER_LIBRARY
 * Prints "ok NAME" or "FAIL NAME: ..." per check, then "N passed, M failed"; exits
 * non-zero on any failure.
 */
#define INITGUID
#include "mapi-sync.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#ifdef _WIN32
#define LOAD(path) ((void *)LoadLibraryA(path))
#define SYMBOL(lib, name) ((void *)GetProcAddress((HMODULE)(lib), name))
#else
#include <dlfcn.h>
#define LOAD(path) dlopen(path, RTLD_NOW | RTLD_LOCAL)
#define SYMBOL(lib, name) dlsym(lib, name)
#endif

/* The README's factory: HRESULT MyStore_Create(IUnknown **out). */
typedef HRESULT(STDMETHODCALLTYPE *create_fn)(IUnknown **out);

static int passed, failed;

static void check(const char *name, int ok, const char *observed) {
    if (ok) {
        printf("ok %s\n", name);
        passed++;
    } else {
        printf("FAIL %s: observed %s\n", name, observed);
        failed++;
    }
}

/* ---- Outlook's IMAPISyncProgressCallback, recording what the store reports ---- */

typedef struct Dialog {
    IMAPISyncProgressCallback iface;
    volatile LONG refs;
    char log[2048];
} Dialog;

static void narrow(const WCHAR *w, char *out, size_t cap) {
    size_t i = 0;
    if (!w) {
        snprintf(out, cap, "NULL");
        return;
    }
    for (; w[i] && i + 1 < cap; i++) out[i] = (w[i] < 128) ? (char)w[i] : '?';
    out[i] = 0;
}

static void append(Dialog *d, const char *text) {
    size_t used = strlen(d->log);
    if (used + strlen(text) + 2 < sizeof d->log) {
        if (used) strcat(d->log, " ");
        strcat(d->log, text);
    }
}

static HRESULT STDMETHODCALLTYPE dlg_query(IMAPISyncProgressCallback *This, REFIID riid, void **ppv) {
    if (!ppv) return E_POINTER;
    *ppv = NULL;
    if (memcmp(riid, &IID_IUnknown, sizeof(GUID)) == 0
        || memcmp(riid, &IID_IMAPISyncProgressCallback, sizeof(GUID)) == 0) {
        __atomic_add_fetch(&((Dialog *)This)->refs, 1, __ATOMIC_SEQ_CST);
        *ppv = This;
        return S_OK;
    }
    return E_NOINTERFACE;
}
static ULONG STDMETHODCALLTYPE dlg_addref(IMAPISyncProgressCallback *This) {
    return (ULONG)__atomic_add_fetch(&((Dialog *)This)->refs, 1, __ATOMIC_SEQ_CST);
}
static ULONG STDMETHODCALLTYPE dlg_release(IMAPISyncProgressCallback *This) {
    return (ULONG)__atomic_sub_fetch(&((Dialog *)This)->refs, 1, __ATOMIC_SEQ_CST);
}
static HRESULT STDMETHODCALLTYPE dlg_progress(IMAPISyncProgressCallback *This, const WCHAR *text,
                                              ULONG index, ULONG max) {
    char t[128], line[192];
    narrow(text, t, sizeof t);
    snprintf(line, sizeof line, "P(%s,%lu,%lu)", t, (unsigned long)index, (unsigned long)max);
    append((Dialog *)This, line);
    return S_OK;
}
static HRESULT STDMETHODCALLTYPE dlg_error(IMAPISyncProgressCallback *This, HRESULT hr, const WCHAR *text) {
    char line[64];
    (void)text;
    snprintf(line, sizeof line, "E(0x%08lX)", (unsigned long)(ULONG)hr);
    append((Dialog *)This, line);
    return S_OK;
}
static HRESULT STDMETHODCALLTYPE dlg_done(IMAPISyncProgressCallback *This, HANDLE event, HRESULT hr) {
    char line[64];
    (void)event;
    snprintf(line, sizeof line, "D(0x%08lX)", (unsigned long)(ULONG)hr);
    append((Dialog *)This, line);
    return S_OK;
}

static IMAPISyncProgressCallbackVtbl dialog_vtbl = {
    dlg_query, dlg_addref, dlg_release, dlg_progress, dlg_error, dlg_done,
};

/* ---- The done event: WaitForSingleObject on Windows, the runtime's exports elsewhere ---- */

#ifdef _WIN32
static int wait_and_close(void *lib, HANDLE event) {
    (void)lib;
    DWORD w = WaitForSingleObject(event, 10000);
    CloseHandle(event);
    return w == WAIT_OBJECT_0;
}
#else
static int wait_and_close(void *lib, HANDLE event) {
    LPMAPISYNC_WAITDONEEVENT wait = (LPMAPISYNC_WAITDONEEVENT)SYMBOL(lib, "MapiSync_WaitDoneEvent");
    LPMAPISYNC_CLOSEDONEEVENT close = (LPMAPISYNC_CLOSEDONEEVENT)SYMBOL(lib, "MapiSync_CloseDoneEvent");
    if (!wait || !close) return 0;
    ULONG w = wait(event, 10000);
    close(event);
    return w == MAPISYNC_WAIT_OBJECT_0;
}
#endif

/* One SynchronizeInBackground with `flags`: the log of what the dialog saw. */
static int sync_once(void *lib, IMAPISync *sync, ULONG flags, Dialog *dialog) {
    HANDLE event = NULL;
    MAPISIB sib;
    memset(&sib, 0, sizeof sib);
    memset(dialog->log, 0, sizeof dialog->log);
    sib.ulSize = sizeof sib;
    sib.ulFlags = flags;
    sib.psesSync = NULL;
    sib.punkCallBack = (LPUNKNOWN)&dialog->iface;
    sib.phSyncDoneEvent = &event;
    HRESULT hr = sync->lpVtbl->SynchronizeInBackground(sync, &sib);
    if (hr != S_OK || event == NULL) return 0;
    return wait_and_close(lib, event);
}

int main(int argc, char **argv) {
    char seen[256];
    if (argc != 2) {
        fprintf(stderr, "usage: %s PROVIDER_LIBRARY\n", argv[0]);
        return 2;
    }
    void *lib = LOAD(argv[1]);
    if (!lib) {
        fprintf(stderr, "cannot load %s\n", argv[1]);
        return 2;
    }
    create_fn create = (create_fn)SYMBOL(lib, "MyStore_Create");
    check("the README's factory is exported", create != NULL, "no MyStore_Create");
    if (!create) return 1;
    check("a null out-pointer is refused", create(NULL) == E_POINTER, "another answer");

    IUnknown *unknown = NULL;
    HRESULT hr = create(&unknown);
    snprintf(seen, sizeof seen, "0x%08lX", (unsigned long)(ULONG)hr);
    check("MyStore_Create gives the store", hr == S_OK && unknown != NULL, seen);
    if (!unknown) return 1;

    /* IMsgStore, with its IMAPIProp from Properties. */
    IMsgStore *store = NULL;
    hr = unknown->lpVtbl->QueryInterface(unknown, &IID_IMsgStore, (void **)&store);
    check("QueryInterface(IID_IMsgStore)", hr == S_OK && store != NULL, "no IMsgStore");
    if (store) {
        ULONG count = 0;
        LPSPropValue values = NULL;
        /* MAPI_UNICODE: strings come back as PT_UNICODE (without it, as PT_STRING8). */
        hr = store->lpVtbl->GetProps(store, NULL, MAPI_UNICODE, &count, &values);
        char name[64] = "";
        if (hr == S_OK && count == 1 && values && PROP_TYPE(values[0].ulPropTag) == PT_UNICODE)
            narrow(values[0].Value.lpszW, name, sizeof name);
        snprintf(seen, sizeof seen, "hr 0x%08lX, %lu values, name \"%s\"", (unsigned long)(ULONG)hr,
                 (unsigned long)count, name);
        check("GetProps: PR_DISPLAY_NAME_W is the server",
              hr == S_OK && count == 1 && values[0].ulPropTag == PR_DISPLAY_NAME_W
                  && strcmp(name, "imap.example.com") == 0,
              seen);
        /* The values are in the provider's own allocator's memory: this host gave it no
           MAPI allocators (the README's store exports no MSProviderInit), so they stay
           until the process ends. samples/eml-store/hosts/store_host.c hands MAPI's over
           and frees them. */
        SPropTagArray one = {1, {PR_SUBJECT_W}};
        ULONG n2 = 0;
        LPSPropValue v2 = NULL;
        hr = store->lpVtbl->GetProps(store, &one, 0, &n2, &v2);
        snprintf(seen, sizeof seen, "hr 0x%08lX, type 0x%04lX", (unsigned long)(ULONG)hr,
                 v2 ? (unsigned long)PROP_TYPE(v2[0].ulPropTag) : 0ul);
        check("GetProps of a missing property: PT_ERROR, MAPI_W_ERRORS_RETURNED",
              hr == MAPI_W_ERRORS_RETURNED && n2 == 1 && PROP_TYPE(v2[0].ulPropTag) == PT_ERROR
                  && v2[0].Value.err == MAPI_E_NOT_FOUND,
              seen);
        LPMAPITABLE table = NULL;
        hr = store->lpVtbl->GetReceiveFolderTable(store, 0, &table);
        snprintf(seen, sizeof seen, "0x%08lX", (unsigned long)(ULONG)hr);
        check("a method the store leaves out answers MAPI_E_NO_SUPPORT",
              hr == MAPI_E_NO_SUPPORT && table == NULL, seen);
        store->lpVtbl->Release(store);
    }

    /* IMAPISync: a sync to Done, then one that fails with the io::Error's code. */
    IMAPISync *sync = NULL;
    hr = unknown->lpVtbl->QueryInterface(unknown, &IID_IMAPISync, (void **)&sync);
    check("QueryInterface(IID_IMAPISync)", hr == S_OK && sync != NULL, "no IMAPISync");
    if (sync) {
        Dialog dialog;
        memset(&dialog, 0, sizeof dialog);
        dialog.iface.lpVtbl = &dialog_vtbl;
        dialog.refs = 1;
        int signalled = sync_once(lib, sync, SYNC_DOWNLOAD_CONTENTS, &dialog);
        check("a download: both folders' progress, then Done(S_OK), then the event",
              signalled && strcmp(dialog.log, "P(imap.example.com: Inbox,1,2) "
                                              "P(imap.example.com: Sent Items,2,2) D(0x00000000)")
                               == 0,
              dialog.log);
        signalled = sync_once(lib, sync, SYNC_UPLOAD_CONTENTS, &dialog);
        check("an upload: the io::Error reported as MAPI_E_NOT_FOUND through Error and Done",
              signalled && strstr(dialog.log, "E(0x8004010F)") != NULL
                  && strstr(dialog.log, "D(0x8004010F)") != NULL,
              dialog.log);
        MAPISIB bad;
        memset(&bad, 0, sizeof bad);
        bad.ulSize = 3;
        check("a MAPISIB of the wrong size is refused",
              sync->lpVtbl->SynchronizeInBackground(sync, &bad) == MAPI_E_INVALID_PARAMETER,
              "another answer");
        sync->lpVtbl->Release(sync);
        /* The sync thread lets go of the dialog just after it signals the event. */
        for (int i = 0; i < 2000 && __atomic_load_n(&dialog.refs, __ATOMIC_SEQ_CST) != 1; i++) {
#ifdef _WIN32
            Sleep(1);
#else
            struct timespec ms = {0, 1000000};
            nanosleep(&ms, NULL);
#endif
        }
        snprintf(seen, sizeof seen, "%ld references", (long)dialog.refs);
        check("the store gave back every reference to the dialog", dialog.refs == 1, seen);
    }
    unknown->lpVtbl->Release(unknown);

    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
