/*
 * A C host that plays MAPI against a whole store provider (samples/eml-store): it loads
 * the library, calls MSProviderInit with its own MAPIAllocateBuffer/More/FreeBuffer,
 * logs on through IMSProvider::Logon with a minimal IMAPISupport whose profile section
 * holds the store's folder (PR_EML_FOLDER, what the service entry keeps), reads the store's
 * properties, opens the inbox and reads its contents table, drops new .eml files into
 * the folder, asks the store for IMAPISync and syncs, reads the rows again, feeds it bad
 * input, and releases everything, checking that every object was dropped once and every
 * buffer freed. No Rust compiler saw this code. It includes generated/include/mapi-sync.h
 * alone: on Linux that declares every MAPI structure, interface, IID and constant the
 * bindings carry (with their sizes asserted), on Windows it includes the mingw-w64 MAPI
 * headers; every call goes through the interfaces' lpVtbl.
 *
 * Usage: store_host LIBRARY FOLDER   (FOLDER must not exist; the host makes it)
 * Prints one line per scenario ("ok NAME" or "FAIL NAME: expected ... observed ..."),
 * then "N passed, M failed"; exits non-zero on any failure.
 */
#define INITGUID
#define COBJMACROS
/* mapiguid.h defines under INITGUID only the IIDs asked for. */
#define USES_IID_IMAPISup
#include "mapi-sync.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _WIN32
#include <direct.h>
#define LOAD(path) ((void *)LoadLibraryA(path))
#define SYMBOL(lib, name) ((void *)GetProcAddress((HMODULE)(lib), name))
#define MKDIR(path) _mkdir(path)
#define RMDIR(path) _rmdir(path)
#else
#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>
#define LOAD(path) dlopen(path, RTLD_NOW | RTLD_LOCAL)
#define SYMBOL(lib, name) dlsym(lib, name)
#define MKDIR(path) mkdir(path, 0755)
#define RMDIR(path) rmdir(path)
#endif

/* Property tags no store has: a PT_LONG one, and its PT_ERROR form. */
#define TAG_UNKNOWN_LONG ((ULONG)0x66660003)
#define TAG_UNKNOWN_ERROR ((ULONG)0x6666000A)

/* mapidefs.h's SizedSPropTagArray is a macro, which the bindings (and so the Linux
 * declarations) do not carry: the same shape, an SPropTagArray of n tags. */
#ifndef SizedSPropTagArray
#define SizedSPropTagArray(n, name) \
    struct _SPropTagArray_##name { ULONG cValues; ULONG aulPropTag[n]; } name
#endif

_Static_assert(sizeof(SPropValue) == 8 + 2 * sizeof(void *), "SPropValue: tag, pad, 16-byte union");
_Static_assert(offsetof(SRowSet, aRow) == sizeof(void *), "SRowSet's rows");

/* ---- The provider's exports ---- */

/* MSProviderInit is STDMAPIINITCALLTYPE, __cdecl (mapispi.h): the C default. */
typedef HRESULT (*ms_provider_init_fn)(HINSTANCE hInstance, LPMALLOC lpMalloc,
                                       LPALLOCATEBUFFER lpAllocateBuffer, LPALLOCATEMORE lpAllocateMore,
                                       LPFREEBUFFER lpFreeBuffer, ULONG ulFlags, ULONG ulMAPIVer,
                                       ULONG *lpulProviderVer, LPMSPROVIDER *lppMSProvider);
/* The runtime's exports for test hosts (extern "C"): MapiSync_LiveObjects everywhere,
 * the done event's functions on Linux. */
typedef ULONG (*live_fn)(void);
static ms_provider_init_fn ms_provider_init;
static live_fn live_objects;
#ifndef _WIN32
typedef ULONG (*wait_fn)(HANDLE event, ULONG milliseconds);
typedef void (*close_fn)(HANDLE event);
static wait_fn wait_event;
static close_fn close_event;
#endif

/* ---- MAPI's allocators, played by the host (as in host.c): every block counted. ---- */

typedef union Block {
    struct {
        union Block *children;
        unsigned magic;
    } h;
    long double align;
} Block;
enum { ROOT = 0x524F4F54u, CHILD = 0x4348494Cu };
static volatile int32_t blocks_alive, bad_frees;

static SCODE STDMETHODCALLTYPE host_allocate_buffer(ULONG cb, void **out) {
    Block *b = calloc(1, sizeof(Block) + cb);
    if (!b) return MAPI_E_NOT_ENOUGH_MEMORY;
    b->h.magic = ROOT;
    __atomic_add_fetch(&blocks_alive, 1, __ATOMIC_SEQ_CST);
    *out = b + 1;
    return 0;
}

static SCODE STDMETHODCALLTYPE host_allocate_more(ULONG cb, void *parent, void **out) {
    Block *root = parent ? (Block *)parent - 1 : NULL;
    if (!root || root->h.magic != ROOT) return MAPI_E_INVALID_PARAMETER;
    Block *b = calloc(1, sizeof(Block) + cb);
    if (!b) return MAPI_E_NOT_ENOUGH_MEMORY;
    b->h.magic = CHILD;
    /* Children of one root may be made from two threads (a sync and a table). */
    b->h.children = __atomic_exchange_n(&root->h.children, b, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&blocks_alive, 1, __ATOMIC_SEQ_CST);
    *out = b + 1;
    return 0;
}

static ULONG STDMETHODCALLTYPE host_free_buffer(void *p) {
    if (!p) return 0;
    Block *root = (Block *)p - 1;
    if (root->h.magic != ROOT) {
        __atomic_add_fetch(&bad_frees, 1, __ATOMIC_SEQ_CST);
        return 0;
    }
    for (Block *c = root->h.children, *next; c; c = next) {
        next = c->h.children;
        c->h.magic = 0;
        free(c);
        __atomic_sub_fetch(&blocks_alive, 1, __ATOMIC_SEQ_CST);
    }
    root->h.magic = 0;
    free(root);
    __atomic_sub_fetch(&blocks_alive, 1, __ATOMIC_SEQ_CST);
    return 0;
}

/* FreeProws (mapiutil.h): each row's values, then the set. */
static void free_rows(SRowSet *rows) {
    if (!rows) return;
    for (ULONG i = 0; i < rows->cRows; i++) host_free_buffer(rows->aRow[i].lpProps);
    host_free_buffer(rows);
}

/* ---- A minimal IMAPISupport: IUnknown, OpenProfileSection and SetProviderUID; the rest
 * MAPI_E_NO_SUPPORT. Its profile section answers GetProps with the store's folder (the
 * setting the service entry keeps) and records what SetProps writes. ---- */

/* The eml store's setting: its folder's path (PT_UNICODE, provider range). */
#define PR_EML_FOLDER PROP_TAG(PT_UNICODE, 0x6600)

typedef struct ProfSect {
    IProfSect iface; /* first: the object is its interface */
    volatile int32_t refs;
    ULONG set_calls, get_calls;
    char folder[600]; /* empty: the profile has no folder */
} ProfSect;

typedef struct Support {
    IMAPISupport iface; /* first: the object is its interface */
    volatile int32_t refs;
    int uid_calls;
    MAPIUID uid;
    ProfSect section;
    volatile int32_t transports_calls; /* IMAPISupport::StoreLogoffTransports, maybe from the sync thread */
    volatile ULONG transports_flags;
} Support;

static Support *support_of(IMAPISupport *This) { return (Support *)This; }
static ProfSect *section_of(IProfSect *This) { return (ProfSect *)This; }

static HRESULT STDMETHODCALLTYPE sup_query(IMAPISupport *This, REFIID riid, LPVOID *ppv) {
    if (!ppv) return E_POINTER;
    *ppv = NULL;
    if (memcmp(riid, &IID_IUnknown, sizeof(GUID)) == 0 || memcmp(riid, &IID_IMAPISup, sizeof(GUID)) == 0) {
        __atomic_add_fetch(&support_of(This)->refs, 1, __ATOMIC_SEQ_CST);
        *ppv = This;
        return S_OK;
    }
    return E_NOINTERFACE;
}
static ULONG STDMETHODCALLTYPE sup_addref(IMAPISupport *This) {
    return (ULONG)__atomic_add_fetch(&support_of(This)->refs, 1, __ATOMIC_SEQ_CST);
}
static ULONG STDMETHODCALLTYPE sup_release(IMAPISupport *This) {
    return (ULONG)__atomic_sub_fetch(&support_of(This)->refs, 1, __ATOMIC_SEQ_CST);
}
static HRESULT STDMETHODCALLTYPE sup_set_provider_uid(IMAPISupport *This, LPMAPIUID uid, ULONG flags) {
    (void)flags;
    support_of(This)->uid_calls++;
    if (uid) support_of(This)->uid = *uid;
    return S_OK;
}
/* What the store passes on from IMsgStore::StoreLogoff at its last release. */
static HRESULT STDMETHODCALLTYPE sup_store_logoff_transports(IMAPISupport *This, ULONG *flags) {
    Support *s = support_of(This);
    if (!flags) return MAPI_E_INVALID_PARAMETER;
    s->transports_flags = *flags;
    __atomic_add_fetch(&s->transports_calls, 1, __ATOMIC_SEQ_CST);
    *flags = LOGOFF_COMPLETE;
    return S_OK;
}
static void narrow(const WCHAR *w, char *out, size_t cap);
static HRESULT STDMETHODCALLTYPE sup_open_profile_section(IMAPISupport *This, LPMAPIUID uid, ULONG flags,
                                                          LPPROFSECT *out) {
    Support *s = support_of(This);
    (void)uid;
    (void)flags;
    if (!out) return MAPI_E_INVALID_PARAMETER;
    __atomic_add_fetch(&s->section.refs, 1, __ATOMIC_SEQ_CST);
    *out = &s->section.iface;
    return S_OK;
}
static ULONG STDMETHODCALLTYPE sect_addref(IProfSect *This) {
    return (ULONG)__atomic_add_fetch(&section_of(This)->refs, 1, __ATOMIC_SEQ_CST);
}
static ULONG STDMETHODCALLTYPE sect_release(IProfSect *This) {
    return (ULONG)__atomic_sub_fetch(&section_of(This)->refs, 1, __ATOMIC_SEQ_CST);
}
/* Records the call; a logon has no reason to write. */
static HRESULT STDMETHODCALLTYPE sect_set_props(IProfSect *This, ULONG count, LPSPropValue values,
                                                LPSPropProblemArray *problems) {
    (void)count;
    (void)values;
    if (problems) *problems = NULL;
    section_of(This)->set_calls++;
    return S_OK;
}
static SCODE STDMETHODCALLTYPE host_allocate_buffer(ULONG cb, void **out);
static SCODE STDMETHODCALLTYPE host_allocate_more(ULONG cb, void *parent, void **out);
/* GetProps as MAPI's profile sections answer it: one value per tag asked, in one buffer
 * of the host's allocators; the folder (as PT_UNICODE) when there is one, PT_ERROR with
 * MAPI_E_NOT_FOUND for everything else, and then MAPI_W_ERRORS_RETURNED. */
static HRESULT STDMETHODCALLTYPE sect_get_props(IProfSect *This, LPSPropTagArray tags, ULONG flags, ULONG *count,
                                                LPSPropValue *values) {
    ProfSect *p = section_of(This);
    (void)flags;
    if (!tags || !count || !values) return MAPI_E_INVALID_PARAMETER;
    p->get_calls++;
    SPropValue *v = NULL;
    if (host_allocate_buffer((ULONG)(tags->cValues * sizeof(SPropValue)), (void **)&v) != 0) return MAPI_E_NOT_ENOUGH_MEMORY;
    int errors = 0;
    for (ULONG i = 0; i < tags->cValues; i++) {
        ULONG tag = tags->aulPropTag[i];
        size_t len = strlen(p->folder);
        WCHAR *w = NULL;
        if (PROP_ID(tag) == PROP_ID(PR_EML_FOLDER) && len &&
            host_allocate_more((ULONG)((len + 1) * sizeof(WCHAR)), v, (void **)&w) == 0) {
            for (size_t k = 0; k <= len; k++) w[k] = (WCHAR)(unsigned char)p->folder[k];
            v[i].ulPropTag = PR_EML_FOLDER;
            v[i].Value.lpszW = w;
        } else {
            v[i].ulPropTag = PROP_TAG(PT_ERROR, PROP_ID(tag));
            v[i].Value.err = MAPI_E_NOT_FOUND;
            errors = 1;
        }
    }
    *count = tags->cValues;
    *values = v;
    return errors ? MAPI_W_ERRORS_RETURNED : S_OK;
}
/* The other methods answer MAPI_E_NO_SUPPORT, which the provider takes as a host without
 * them (WrapStoreEntryID, ModifyProfile, ModifyStatusRow). On
 * x86_64 (the only ABI this host runs on) the caller cleans the stack, so one stub
 * serves every signature: each vtable is filled with it slot by slot first. */
typedef void (*any_fn)(void);
static HRESULT STDMETHODCALLTYPE sup_no_support(void *This) {
    (void)This;
    return MAPI_E_NO_SUPPORT;
}
static void fill_with_stub(void *vtbl, size_t size) {
    any_fn *slots = (any_fn *)vtbl;
    for (size_t i = 0; i < size / sizeof(any_fn); i++) slots[i] = (any_fn)sup_no_support;
}
static IMAPISupportVtbl support_vtbl;
static IProfSectVtbl section_vtbl;

static void support_init(Support *s) {
    fill_with_stub(&support_vtbl, sizeof support_vtbl);
    support_vtbl.QueryInterface = sup_query;
    support_vtbl.AddRef = sup_addref;
    support_vtbl.Release = sup_release;
    support_vtbl.OpenProfileSection = sup_open_profile_section;
    support_vtbl.SetProviderUID = sup_set_provider_uid;
    support_vtbl.StoreLogoffTransports = sup_store_logoff_transports;
    fill_with_stub(&section_vtbl, sizeof section_vtbl);
    section_vtbl.AddRef = sect_addref;
    section_vtbl.Release = sect_release;
    section_vtbl.SetProps = sect_set_props;
    section_vtbl.GetProps = sect_get_props;
    memset(s, 0, sizeof *s);
    s->iface.lpVtbl = &support_vtbl;
    s->refs = 1;
    s->section.iface.lpVtbl = &section_vtbl;
    s->section.refs = 1;
}

/* ---- Our IMAPISyncProgressCallback: records every call; can hold the first Progress. ---- */

typedef struct Recorder {
    IMAPISyncProgressCallback iface;
    volatile int32_t refs;
    char log[4096];
    volatile int32_t done_calls;
    volatile int32_t hold;     /* 1: the first Progress waits until this is 0 */
    volatile int32_t holding;  /* set while it waits */
} Recorder;

static Recorder *from(IMAPISyncProgressCallback *This) { return (Recorder *)This; }

static void append(Recorder *r, const char *text) {
    size_t used = strlen(r->log);
    if (used + strlen(text) + 2 < sizeof r->log) {
        if (used) strcat(r->log, " ");
        strcat(r->log, text);
    }
}

static void narrow(const WCHAR *w, char *out, size_t cap) {
    size_t i = 0;
    if (!w) { snprintf(out, cap, "NULL"); return; }
    for (; w[i] && i + 1 < cap; i++) out[i] = (w[i] < 128) ? (char)w[i] : '?';
    out[i] = 0;
}

static void sleep_ms(unsigned ms) {
#ifdef _WIN32
    Sleep(ms);
#else
    struct timespec ts = {0, (long)ms * 1000000L};
    nanosleep(&ts, NULL);
#endif
}

static HRESULT STDMETHODCALLTYPE cb_query(IMAPISyncProgressCallback *This, REFIID riid, void **ppv) {
    if (!ppv) return E_POINTER;
    *ppv = NULL;
    if (memcmp(riid, &IID_IUnknown, sizeof(GUID)) == 0 || memcmp(riid, &IID_IMAPISyncProgressCallback, sizeof(GUID)) == 0) {
        __atomic_add_fetch(&from(This)->refs, 1, __ATOMIC_SEQ_CST);
        *ppv = This;
        return S_OK;
    }
    return E_NOINTERFACE;
}
static ULONG STDMETHODCALLTYPE cb_addref(IMAPISyncProgressCallback *This) {
    return (ULONG)__atomic_add_fetch(&from(This)->refs, 1, __ATOMIC_SEQ_CST);
}
static ULONG STDMETHODCALLTYPE cb_release(IMAPISyncProgressCallback *This) {
    return (ULONG)__atomic_sub_fetch(&from(This)->refs, 1, __ATOMIC_SEQ_CST);
}
static HRESULT STDMETHODCALLTYPE cb_progress(IMAPISyncProgressCallback *This, const WCHAR *text, ULONG i, ULONG max) {
    Recorder *r = from(This);
    char t[256], line[320];
    if (__atomic_load_n(&r->hold, __ATOMIC_SEQ_CST)) {
        __atomic_store_n(&r->holding, 1, __ATOMIC_SEQ_CST);
        for (int n = 0; n < 20000 && __atomic_load_n(&r->hold, __ATOMIC_SEQ_CST); n++) sleep_ms(1);
        __atomic_store_n(&r->holding, 0, __ATOMIC_SEQ_CST);
    }
    narrow(text, t, sizeof t);
    snprintf(line, sizeof line, "P(%s,%lu,%lu)", t, (unsigned long)i, (unsigned long)max);
    append(r, line);
    return S_OK;
}
/* Logs the text up to its first ':' (the file name): the rest is the system's wording. */
static HRESULT STDMETHODCALLTYPE cb_error(IMAPISyncProgressCallback *This, HRESULT hr, const WCHAR *text) {
    char t[256], line[320];
    narrow(text, t, sizeof t);
    char *colon = strchr(t, ':');
    if (colon) *colon = 0;
    snprintf(line, sizeof line, "E(0x%08lX,%s)", (unsigned long)(ULONG)hr, t);
    append(from(This), line);
    return S_OK;
}
static HRESULT STDMETHODCALLTYPE cb_done(IMAPISyncProgressCallback *This, HANDLE event, HRESULT hr) {
    char line[64];
    (void)event;
    snprintf(line, sizeof line, "D(0x%08lX)", (unsigned long)(ULONG)hr);
    append(from(This), line);
    __atomic_add_fetch(&from(This)->done_calls, 1, __ATOMIC_SEQ_CST);
    return S_OK;
}
static const IMAPISyncProgressCallbackVtbl recorder_vtbl = {
    cb_query, cb_addref, cb_release, cb_progress, cb_error, cb_done,
};
static void recorder_init(Recorder *r) {
    memset(r, 0, sizeof *r);
    r->iface.lpVtbl = &recorder_vtbl;
    r->refs = 1;
}

/* ---- Reporting ---- */

static int passed, failed;

static void check(const char *name, const char *expected, const char *observed) {
    if (strcmp(expected, observed) == 0) {
        printf("ok %s\n", name);
        passed++;
    } else {
        printf("FAIL %s: expected [%s] observed [%s]\n", name, expected, observed);
        failed++;
    }
    fflush(stdout);
}

static unsigned long hx(HRESULT hr) { return (unsigned long)(ULONG)hr; }

/* ---- The folder ---- */

static char folder[512];

static void path_of(char *out, size_t cap, const char *name) { snprintf(out, cap, "%s/%s", folder, name); }

static int write_file(const char *name, const char *text) {
    char path[700];
    path_of(path, sizeof path, name);
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fputs(text, f);
    return fclose(f) == 0;
}

/* Message n: from Sender n, dated 2026-12-01 0n:00 UTC. */
static int write_message(const char *name, const char *subject, int n) {
    char text[512];
    snprintf(text, sizeof text,
             "From: Sender %d <sender%d@example.com>\r\nSubject: %s\r\n"
             "Date: Tue, 1 Dec 2026 %02d:00:00 +0000\r\n\r\nBody of %s.\r\n",
             n, n, subject, n % 24, subject);
    return write_file(name, text);
}

/* 2026-12-01 00:00 UTC as a FILETIME, and one hour. */
static const unsigned long long DEC_1_2026 = 134405568000000000ULL, HOUR = 36000000000ULL;

static unsigned long long filetime(const SPropValue *v) {
    return ((unsigned long long)v->Value.ft.dwHighDateTime << 32) | v->Value.ft.dwLowDateTime;
}

/* ---- State across scenarios ---- */

static Support support;
static IMSProvider *provider;
static IMSLogon *mslogon;
static IMsgStore *mdb;
static IMAPIFolder *inbox;
static IMAPITable *table;

/* Opens the entry through the store or the inbox and returns its object (NULL on
 * failure), the type in *kind. */
static IUnknown *store_open(ULONG cb, void *id, ULONG *kind, HRESULT *hr) {
    LPUNKNOWN unk = (LPUNKNOWN)(uintptr_t)1;
    *hr = mdb->lpVtbl->OpenEntry(mdb, cb, (LPENTRYID)id, NULL, 0, kind, &unk);
    return unk;
}
static IUnknown *folder_open(ULONG cb, void *id, ULONG *kind, HRESULT *hr) {
    LPUNKNOWN unk = (LPUNKNOWN)(uintptr_t)1;
    *hr = inbox->lpVtbl->OpenEntry(inbox, cb, (LPENTRYID)id, NULL, 0, kind, &unk);
    return unk;
}

/* GetProps of any object with properties, through its IMAPIProp part (every derived
 * vtable starts with IMAPIProp's). */
static HRESULT get_props(void *object, void *tags, ULONG flags, ULONG *count, LPSPropValue *values) {
    IMAPIProp *p = (IMAPIProp *)object;
    return p->lpVtbl->GetProps(p, (LPSPropTagArray)tags, flags, count, values);
}

static HRESULT compare_ids(ULONG cb1, void *id1, ULONG cb2, void *id2, ULONG *result) {
    return mdb->lpVtbl->CompareEntryIDs(mdb, cb1, (LPENTRYID)id1, cb2, (LPENTRYID)id2, 0, result);
}

/* The subjects of every row from the start, as "s1|s2|...", and the count. */
static void read_subjects(char *out, size_t cap, ULONG *count) {
    SizedSPropTagArray(8, cols) = {2, {PR_SUBJECT_W, PR_MESSAGE_DELIVERY_TIME}};
    SRowSet *rows = NULL;
    out[0] = 0;
    /* A table shows the folder as it was when opened: open it again, as a client does
     * after a sync. */
    if (table) IUnknown_Release((IUnknown *)table);
    table = NULL;
    if (inbox->lpVtbl->GetContentsTable(inbox, 0, &table) != S_OK || !table) return;
    table->lpVtbl->SetColumns(table, (LPSPropTagArray)&cols, 0);
    table->lpVtbl->SeekRow(table, BOOKMARK_BEGINNING, 0, NULL);
    table->lpVtbl->GetRowCount(table, 0, count);
    if (table->lpVtbl->QueryRows(table, 1000, 0, &rows) != S_OK || !rows) return;
    for (ULONG i = 0; i < rows->cRows; i++) {
        char s[64];
        narrow(rows->aRow[i].lpProps[0].Value.lpszW, s, sizeof s);
        if (i) strncat(out, "|", cap - strlen(out) - 1);
        strncat(out, s, cap - strlen(out) - 1);
    }
    free_rows(rows);
}

/* Runs one sync to the end: the callback's log, or a line saying what went wrong. */
static void sync_once(Recorder *r, char *observed, size_t cap) {
    IMAPISync *sync = NULL;
    HANDLE event = NULL;
    MAPISIB sib;
    HRESULT hr = IUnknown_QueryInterface((IUnknown *)mdb, &IID_IMAPISync, (void **)&sync);
    if (hr != S_OK) {
        snprintf(observed, cap, "QueryInterface(IID_IMAPISync) = 0x%08lX", hx(hr));
        return;
    }
    memset(&sib, 0, sizeof sib);
    sib.ulSize = sizeof sib;
    sib.ulFlags = SYNC_DOWNLOAD_CONTENTS;
    sib.punkCallBack = (IUnknown *)&r->iface;
    sib.phSyncDoneEvent = &event;
    hr = IMAPISync_SynchronizeInBackground(sync, &sib);
    if (hr != S_OK || !event) {
        snprintf(observed, cap, "SynchronizeInBackground = 0x%08lX", hx(hr));
        IMAPISync_Release(sync);
        return;
    }
#ifdef _WIN32
    int signalled = WaitForSingleObject(event, 20000) == WAIT_OBJECT_0;
#else
    int signalled = wait_event(event, 20000) == 0;
#endif
    for (int i = 0; i < 2000 && (r->done_calls == 0 || r->refs != 1); i++) sleep_ms(1);
#ifdef _WIN32
    CloseHandle(event);
#else
    close_event(event);
#endif
    IMAPISync_Release(sync);
    snprintf(observed, cap, "%s | signalled=%d done=%d refs=%d", r->log, signalled, (int)r->done_calls, (int)r->refs);
}

/* ---- Scenarios ---- */

static void init_scenario(void) {
    char observed[256];
    ULONG version = 0, v_old = 0, v_null = 0;
    LPMSPROVIDER old = (LPMSPROVIDER)(uintptr_t)1, null_alloc = (LPMSPROVIDER)(uintptr_t)1;
    HRESULT hr_old = ms_provider_init(NULL, NULL, host_allocate_buffer, host_allocate_more, host_free_buffer, 0,
                                      0x00010000, &v_old, &old);
    HRESULT hr_null = ms_provider_init(NULL, NULL, host_allocate_buffer, NULL, host_free_buffer, 0,
                                       CURRENT_SPI_VERSION, &v_null, &null_alloc);
    HRESULT hr = ms_provider_init(NULL, NULL, host_allocate_buffer, host_allocate_more, host_free_buffer, 0,
                                  CURRENT_SPI_VERSION, &version, &provider);
    snprintf(observed, sizeof observed, "hr=0x%08lX version=0x%08lX provider=%s old=0x%08lX/%s null_allocator=0x%08lX/%s live=%lu",
             hx(hr), (unsigned long)version, provider ? "set" : "null", hx(hr_old), old ? "set" : "null",
             hx(hr_null), null_alloc ? "set" : "null", (unsigned long)live_objects());
    check("ms_provider_init",
          "hr=0x00000000 version=0x00010010 provider=set old=0x80040110/null null_allocator=0x80070057/null live=1",
          observed);
}

/* How many failed logons answered a MAPIERROR with a text. */
static int logon_errors;

static HRESULT logon(ULONG cb, void *id, IMSLogon **out_logon, IMsgStore **out_mdb) {
    ULONG spool_cb = 7;
    LPBYTE spool = (LPBYTE)(uintptr_t)1;
    LPMAPIERROR error = (LPMAPIERROR)(uintptr_t)1;
    LPMSLOGON l = (LPMSLOGON)(uintptr_t)1;
    LPMDB m = (LPMDB)(uintptr_t)1;
    HRESULT hr = provider->lpVtbl->Logon(provider, (LPMAPISUP)&support.iface, 0, (LPTSTR)"Profile", cb,
                                         (LPENTRYID)id, 0, NULL, &spool_cb, &spool, &error, &l, &m);
    *out_logon = l;
    *out_mdb = (IMsgStore *)m;
    /* A failed logon says why in a MAPIERROR, which MAPI frees. */
    if (error && error != (LPMAPIERROR)(uintptr_t)1) {
        if (FAILED(hr) && error->lpszError) logon_errors++;
        host_free_buffer(error);
    }
    return hr;
}

static void logon_scenario(void) {
    char observed[1024];
    IMSLogon *l2;
    IMsgStore *m2;
    ProfSect *p = &support.section;
    /* Bad input first: a profile without the folder, a folder that does not exist,
     * another provider's identifier. Nothing is handed out, no reference to the support
     * object kept. */
    unsigned char foreign[24] = {0};
    memcpy(foreign + 4, "another provider", 16);
    p->folder[0] = 0;
    HRESULT hr_none = logon(0, NULL, &l2, &m2);
    int none_null = !l2 && !m2;
    snprintf(p->folder, sizeof p->folder, "%s.missing", folder);
    HRESULT hr_missing = logon(0, NULL, &l2, &m2);
    int missing_null = !l2 && !m2;
    snprintf(p->folder, sizeof p->folder, "%s", folder);
    HRESULT hr_foreign = logon(sizeof foreign, foreign, &l2, &m2);
    int refs_after_bad = (int)support.refs;
    /* The first logon of a profile: no store entry identifier yet. */
    HRESULT hr = logon(0, NULL, &mslogon, &mdb);
    snprintf(observed, sizeof observed,
             "unconfigured=0x%08lX/%d missing=0x%08lX/%d foreign=0x%08lX refs=%d errors=%d | hr=0x%08lX logon=%s "
             "mdb=%s set_provider_uid=%d support_refs=%d | profile: reads=%lu writes=%lu refs=%d",
             hx(hr_none), none_null, hx(hr_missing), missing_null, hx(hr_foreign), refs_after_bad, logon_errors, hx(hr),
             mslogon ? "set" : "null", mdb ? "set" : "null", support.uid_calls, (int)support.refs,
             (unsigned long)p->get_calls, (unsigned long)p->set_calls, (int)p->refs);
    check("logon",
          "unconfigured=0x8004011C/1 missing=0x80040111/1 foreign=0x80040201 refs=1 errors=3 | hr=0x00000000 "
          "logon=set mdb=set set_provider_uid=1 support_refs=2 | profile: reads=4 writes=0 refs=1",
          observed);
}

/* Whether `id` is an entry identifier of this store (the MAPIUID it registered) of
 * `kind` (the framework's format: flags, MAPIUID, version 1, kind). */
enum { KIND_STORE = 1, KIND_FOLDER = 2, KIND_MESSAGE = 3, KIND_SUPPLIED = 4 };
static int is_ours(const SBinary *id, unsigned char kind) {
    return id->cb >= 22 && memcmp(id->lpb + 4, support.uid.ab, 16) == 0 && id->lpb[20] == 1 && id->lpb[21] == kind;
}

static void store_props_scenario(void) {
    char observed[512], name_w[64] = "-";
    SizedSPropTagArray(8, tags) = {6, {PR_DISPLAY_NAME_A, PR_DISPLAY_NAME_W, PR_ENTRYID, PR_STORE_SUPPORT_MASK,
                         PR_IPM_SUBTREE_ENTRYID, PR_BODY_W}};
    ULONG count = 0;
    SPropValue *v = NULL;
    HRESULT hr = get_props(mdb, &tags, 0, &count, &v);
    if (hr == MAPI_W_ERRORS_RETURNED && count == 6 && v) {
        narrow(v[1].Value.lpszW, name_w, sizeof name_w);
        int same_id = is_ours(&v[2].Value.bin, KIND_STORE);
        /* The IPM subtree: a folder the framework supplies (the store has only an inbox). */
        int subtree = is_ours(&v[4].Value.bin, KIND_SUPPLIED);
        snprintf(observed, sizeof observed, "name=%s name_w=%s entryid=%s mask=0x%08lX subtree=%s body=0x%08lX/0x%08lX",
                 v[0].ulPropTag == PR_DISPLAY_NAME_A ? v[0].Value.lpszA : "-", name_w, same_id ? "ours" : "other",
                 (unsigned long)v[3].Value.l, subtree ? "supplied" : "other", (unsigned long)v[5].ulPropTag,
                 hx(v[5].Value.err));
    } else {
        snprintf(observed, sizeof observed, "hr=0x%08lX count=%lu", hx(hr), (unsigned long)count);
    }
    host_free_buffer(v);
    /* The mask: STORE_ENTRYID_UNIQUE | STORE_READONLY | STORE_SORT_OK | STORE_RESTRICTION_OK |
     * STORE_UNCOMPRESSED_RTF | STORE_HTML_OK | STORE_UNICODE_OK. */
    check("store_props",
          "name=EML store: mail name_w=EML store: mail entryid=ours mask=0x0005B003 subtree=supplied "
          "body=0x1000000A/0x8004010F",
          observed);
}

static void open_inbox_scenario(void) {
    char observed[512], inbox_name[64] = "-", root_name[64] = "-";
    ULONG cb = 0, kind = 0, root_kind = 0, count = 0, same = 9, differ = 9;
    LPENTRYID id = NULL;
    LPTSTR cls = NULL;
    SizedSPropTagArray(8, tags) = {3, {PR_DISPLAY_NAME_W, PR_CONTENT_COUNT, PR_ENTRYID}};
    SPropValue *v = NULL, *rv = NULL;
    HRESULT hr;
    HRESULT hr_rf = mdb->lpVtbl->GetReceiveFolder(mdb, (LPTSTR)"IPM.Note", 0, &cb, &id, &cls);
    inbox = (IMAPIFolder *)store_open(cb, id, &kind, &hr);
    HRESULT hr_props = inbox ? get_props(inbox, &tags, 0, &count, &v) : E_POINTER;
    if (hr_props == S_OK) narrow(v[0].Value.lpszW, inbox_name, sizeof inbox_name);
    /* The root: an empty identifier; it is the IPM subtree. */
    HRESULT hr_root;
    IUnknown *root = store_open(0, NULL, &root_kind, &hr_root);
    ULONG root_count = 0;
    HRESULT hr_root_props = root ? get_props(root, &tags, 0, &root_count, &rv) : E_POINTER;
    if (hr_root_props == S_OK) {
        narrow(rv[0].Value.lpszW, root_name, sizeof root_name);
        compare_ids(rv[2].Value.bin.cb, rv[2].Value.bin.lpb, rv[2].Value.bin.cb, rv[2].Value.bin.lpb, &same);
        compare_ids(rv[2].Value.bin.cb, rv[2].Value.bin.lpb, cb, id, &differ);
    }
    snprintf(observed, sizeof observed,
             "receive=0x%08lX class=%s open=0x%08lX kind=%lu name=%s messages=%ld | root=0x%08lX kind=%lu name=%s "
             "same=%lu differ=%lu",
             hx(hr_rf), cls ? (cls[0] ? cls : "default") : "null", hx(hr), (unsigned long)kind, inbox_name,
             hr_props == S_OK ? (long)v[1].Value.l : -1, hx(hr_root), (unsigned long)root_kind, root_name,
             (unsigned long)same, (unsigned long)differ);
    host_free_buffer(v);
    host_free_buffer(rv);
    host_free_buffer(id);
    host_free_buffer(cls);
    if (root) IUnknown_Release(root);
    check("open_inbox",
          "receive=0x00000000 class=default open=0x00000000 kind=3 name=Inbox messages=5 | root=0x00000000 kind=3 "
          "name=Root same=1 differ=0",
          observed);
}

static void inbox_rows_scenario(void) {
    char observed[1024], line[256];
    SizedSPropTagArray(8, cols) = {4, {PR_SUBJECT_W, PR_SENDER_NAME_W, PR_MESSAGE_DELIVERY_TIME, PR_ENTRYID}};
    SRowSet *rows = NULL, *rest = NULL;
    ULONG count = 0;
    HRESULT hr_table = inbox->lpVtbl->GetContentsTable(inbox, 0, &table);
    HRESULT hr_cols = table->lpVtbl->SetColumns(table, (LPSPropTagArray)&cols, 0);
    HRESULT hr_count = table->lpVtbl->GetRowCount(table, 0, &count);
    /* Two reads: three rows, then the rest. */
    HRESULT hr_rows = table->lpVtbl->QueryRows(table, 3, 0, &rows);
    HRESULT hr_rest = table->lpVtbl->QueryRows(table, 100, 0, &rest);
    snprintf(observed, sizeof observed, "table=0x%08lX cols=0x%08lX count=0x%08lX/%lu rows=0x%08lX/0x%08lX/%lu+%lu",
             hx(hr_table), hx(hr_cols), hx(hr_count), (unsigned long)count, hx(hr_rows), hx(hr_rest),
             rows ? (unsigned long)rows->cRows : 0ul, rest ? (unsigned long)rest->cRows : 0ul);
    int ordered = 1;
    for (int part = 0; part < 2; part++) {
        SRowSet *set = part ? rest : rows;
        for (ULONG i = 0; set && i < set->cRows; i++) {
            int n = (int)(part ? 3 + i : i) + 1;
            SPropValue *p = set->aRow[i].lpProps;
            char subject[64], sender[64], want_subject[64], want_sender[64];
            narrow(p[0].Value.lpszW, subject, sizeof subject);
            narrow(p[1].Value.lpszW, sender, sizeof sender);
            snprintf(want_subject, sizeof want_subject, "Message %d", n);
            snprintf(want_sender, sizeof want_sender, "Sender %d", n);
            if (strcmp(subject, want_subject) || strcmp(sender, want_sender) ||
                filetime(&p[2]) != DEC_1_2026 + (unsigned long long)n * HOUR || !is_ours(&p[3].Value.bin, KIND_MESSAGE)) {
                ordered = 0;
                snprintf(line, sizeof line, " row %d: %s/%s", n, subject, sender);
                strncat(observed, line, sizeof observed - strlen(observed) - 1);
            }
        }
    }
    strncat(observed, ordered ? " in order" : " wrong", sizeof observed - strlen(observed) - 1);
    free_rows(rows);
    free_rows(rest);
    check("inbox_rows",
          "table=0x00000000 cols=0x00000000 count=0x00000000/5 rows=0x00000000/0x00000000/3+2 in order", observed);
}

static void open_message_scenario(void) {
    char observed[512], subject[64] = "-", body[128] = "-", address[64] = "-";
    SizedSPropTagArray(8, cols) = {1, {PR_ENTRYID}};
    SizedSPropTagArray(8, tags) = {4, {PR_SUBJECT_W, PR_BODY_W, PR_SENDER_EMAIL_ADDRESS_W, PR_MESSAGE_DELIVERY_TIME}};
    SRowSet *rows = NULL;
    SPropValue *v = NULL;
    ULONG kind = 0, count = 0;
    HRESULT hr = E_POINTER, hr_props = E_POINTER;
    IUnknown *message = NULL;
    table->lpVtbl->SetColumns(table, (LPSPropTagArray)&cols, 0);
    table->lpVtbl->SeekRow(table, BOOKMARK_BEGINNING, 1, NULL);
    table->lpVtbl->QueryRows(table, 1, 0, &rows);
    if (rows && rows->cRows == 1) {
        SPropValue *id = &rows->aRow[0].lpProps[0];
        message = folder_open(id->Value.bin.cb, id->Value.bin.lpb, &kind, &hr);
    }
    if (message) hr_props = get_props(message, &tags, 0, &count, &v);
    if (hr_props == S_OK && count == 4) {
        narrow(v[0].Value.lpszW, subject, sizeof subject);
        narrow(v[1].Value.lpszW, body, sizeof body);
        narrow(v[2].Value.lpszW, address, sizeof address);
    }
    snprintf(observed, sizeof observed, "open=0x%08lX kind=%lu props=0x%08lX subject=%s body=%s from=%s hour=%lld",
             hx(hr), (unsigned long)kind, hx(hr_props), subject, body, address,
             hr_props == S_OK ? (long long)((filetime(&v[3]) - DEC_1_2026) / HOUR) : -1ll);
    host_free_buffer(v);
    free_rows(rows);
    if (message) IUnknown_Release(message);
    check("open_message",
          "open=0x00000000 kind=5 props=0x00000000 subject=Message 2 body=Body of Message 2.\r\n "
          "from=sender2@example.com hour=2",
          observed);
}

static void sync_scenario(void) {
    char observed[1024], before[256], after[512];
    ULONG count_before = 0, count_after = 0, count_early = 0;
    Recorder r;
    write_message("new1.eml", "New 1", 11);
    write_message("new2.eml", "New 2", 12);
    write_message("new3.eml", "New 3", 13);
    read_subjects(before, sizeof before, &count_early); /* not synced yet: still five */
    (void)count_before;
    recorder_init(&r);
    sync_once(&r, observed, sizeof observed);
    read_subjects(after, sizeof after, &count_after);
    size_t n = strlen(observed);
    snprintf(observed + n, sizeof observed - n, " | before=%lu after=%lu %s", (unsigned long)count_early,
             (unsigned long)count_after, after);
    check("sync_imports_new_files",
          "P(new1.eml,1,3) P(new2.eml,2,3) P(new3.eml,3,3) D(0x00000000) | signalled=1 done=1 refs=1 | before=5 "
          "after=8 Message 1|Message 2|Message 3|Message 4|Message 5|New 1|New 2|New 3",
          observed);

    recorder_init(&r);
    sync_once(&r, observed, sizeof observed);
    check("sync_nothing_new", "P(No new messages,0,0) D(0x00000000) | signalled=1 done=1 refs=1", observed);
}

/* An unreadable file (a folder named like a message) and a malformed one: reported
 * through Error, the sync goes on, nothing is lost, and a later sync takes the file once
 * it is fixed. */
static void bad_files_scenario(void) {
    char observed[1024], subjects[512], path[700];
    ULONG count = 0;
    Recorder r;
    write_file("broken.eml", "this is not a message\r\nat all\r\n");
    path_of(path, sizeof path, "locked.eml");
    MKDIR(path);
    write_message("ok.eml", "Good one", 14);
    recorder_init(&r);
    sync_once(&r, observed, sizeof observed);
    read_subjects(subjects, sizeof subjects, &count);
    size_t n = strlen(observed);
    snprintf(observed + n, sizeof observed - n, " | rows=%lu", (unsigned long)count);
    check("sync_reports_bad_files",
          "E(0x8004011B,broken.eml) P(broken.eml,1,3) E(0x80040116,locked.eml) P(locked.eml,2,3) P(ok.eml,3,3) "
          "D(0x00000000) | signalled=1 done=1 refs=1 | rows=9",
          observed);

    write_message("broken.eml", "Fixed", 15);
    RMDIR(path);
    recorder_init(&r);
    sync_once(&r, observed, sizeof observed);
    read_subjects(subjects, sizeof subjects, &count);
    n = strlen(observed);
    snprintf(observed + n, sizeof observed - n, " | rows=%lu last=%s", (unsigned long)count,
             strrchr(subjects, '|') ? strrchr(subjects, '|') + 1 : "-");
    check("sync_after_fixing", "P(broken.eml,1,1) D(0x00000000) | signalled=1 done=1 refs=1 | rows=10 last=Fixed",
          observed);
}

/* The folder gone at a sync: the sync's Error and Done carry MAPI_E_NOT_FOUND, what was
 * read stays, and the store works again once the folder is back. */
static void missing_folder_scenario(void) {
    char observed[1024], moved[600], subjects[512];
    ULONG count = 0;
    Recorder r;
    snprintf(moved, sizeof moved, "%s.away", folder);
    int renamed = rename(folder, moved) == 0;
    recorder_init(&r);
    sync_once(&r, observed, sizeof observed);
    read_subjects(subjects, sizeof subjects, &count);
    int back = rename(moved, folder) == 0;
    size_t n = strlen(observed);
    snprintf(observed + n, sizeof observed - n, " | renamed=%d rows=%lu back=%d", renamed, (unsigned long)count, back);
    Recorder again;
    recorder_init(&again);
    char second[512];
    sync_once(&again, second, sizeof second);
    n = strlen(observed);
    snprintf(observed + n, sizeof observed - n, " | %s", second);
    check("sync_missing_folder",
          "E(0x8004010F,mail) D(0x8004010F) | signalled=1 done=1 refs=1 | renamed=1 rows=10 back=1 | "
          "P(No new messages,0,0) D(0x00000000) | signalled=1 done=1 refs=1",
          observed);
}

/* A second SynchronizeInBackground while the first runs (held in its first Progress). */
static void busy_scenario(void) {
    char observed[9000];
    IMAPISync *sync = NULL;
    Recorder first, second;
    HANDLE event = NULL, event2 = (HANDLE)(uintptr_t)0xbad0;
    MAPISIB sib, sib2;
    write_message("late.eml", "Late", 16);
    recorder_init(&first);
    recorder_init(&second);
    first.hold = 1;
    IUnknown_QueryInterface((IUnknown *)mdb, &IID_IMAPISync, (void **)&sync);
    memset(&sib, 0, sizeof sib);
    sib.ulSize = sizeof sib;
    sib.punkCallBack = (IUnknown *)&first.iface;
    sib.phSyncDoneEvent = &event;
    sib2 = sib;
    sib2.punkCallBack = (IUnknown *)&second.iface;
    sib2.phSyncDoneEvent = &event2;
    HRESULT hr1 = IMAPISync_SynchronizeInBackground(sync, &sib);
    for (int i = 0; i < 10000 && !__atomic_load_n(&first.holding, __ATOMIC_SEQ_CST); i++) sleep_ms(1);
    HRESULT hr2 = IMAPISync_SynchronizeInBackground(sync, &sib2);
    __atomic_store_n(&first.hold, 0, __ATOMIC_SEQ_CST);
#ifdef _WIN32
    int signalled = event && WaitForSingleObject(event, 20000) == WAIT_OBJECT_0;
#else
    int signalled = event && wait_event(event, 20000) == 0;
#endif
    for (int i = 0; i < 2000 && (first.done_calls == 0 || first.refs != 1); i++) sleep_ms(1);
    if (event) {
#ifdef _WIN32
        CloseHandle(event);
#else
        close_event(event);
#endif
    }
    IMAPISync_Release(sync);
    snprintf(observed, sizeof observed, "first=0x%08lX second=0x%08lX event2=%s second_calls=[%s] | %s | signalled=%d",
             hx(hr1), hx(hr2), event2 ? "set" : "null", second.log, first.log, signalled);
    check("sync_while_syncing",
          "first=0x00000000 second=0x8004010B event2=null second_calls=[] | P(late.eml,1,1) D(0x00000000) | "
          "signalled=1",
          observed);
}

/* A message's entry identifier in the framework's format: flags, the store's MAPIUID,
 * version 1, kind 3, the folder id's length (2 bytes, little-endian), the folder id
 * ("inbox"), the message's id (its file name). */
static ULONG message_id(unsigned char *out, const unsigned char *uid, const char *name) {
    memset(out, 0, 4);
    memcpy(out + 4, uid, 16);
    out[20] = 1;
    out[21] = KIND_MESSAGE;
    out[22] = 5;
    out[23] = 0;
    memcpy(out + 24, "inbox", 5);
    memcpy(out + 29, name, strlen(name));
    return 29 + (ULONG)strlen(name);
}

static void bad_entry_ids_scenario(void) {
    char observed[512];
    unsigned char other[64], missing[64], good_id[64], tiny[2] = {0}, other_uid[16];
    ULONG kind = 0, result = 7;
    HRESULT hr_other, hr_missing, hr_tiny;
    /* Another store of this provider: another MAPIUID. */
    memcpy(other_uid, support.uid.ab, 16);
    other_uid[0] ^= 0xFF;
    ULONG other_cb = message_id(other, other_uid, "new1.eml");
    /* This store, a message it does not have. */
    ULONG missing_cb = message_id(missing, support.uid.ab, "gone.eml");
    IUnknown *a = store_open(other_cb, other, &kind, &hr_other);
    IUnknown *b = folder_open(missing_cb, missing, &kind, &hr_missing);
    IUnknown *c = store_open(sizeof tiny, tiny, &kind, &hr_tiny);
    HRESULT hr_cmp = compare_ids(other_cb, other, missing_cb, missing, &result);
    HRESULT hr_null = mdb->lpVtbl->OpenEntry(mdb, missing_cb, (LPENTRYID)missing, NULL, 0, &kind, NULL);
    /* Still usable: the good identifier opens. */
    ULONG good_cb = message_id(good_id, support.uid.ab, "new1.eml");
    HRESULT hr_good;
    IUnknown *good = store_open(good_cb, good_id, &kind, &hr_good);
    if (good) IUnknown_Release(good);
    snprintf(observed, sizeof observed,
             "other=0x%08lX/%s missing=0x%08lX/%s tiny=0x%08lX/%s compare=0x%08lX/%lu null=0x%08lX good=0x%08lX/%lu",
             hx(hr_other), a ? "set" : "null", hx(hr_missing), b ? "set" : "null", hx(hr_tiny), c ? "set" : "null",
             hx(hr_cmp), (unsigned long)result, hx(hr_null), hx(hr_good), (unsigned long)kind);
    check("bad_entry_ids",
          "other=0x80040201/null missing=0x8004010F/null tiny=0x80040107/null compare=0x80040201/7 "
          "null=0x80070057 good=0x00000000/5",
          observed);
}

static void bad_columns_scenario(void) {
    char observed[512], subject[64] = "-";
    SizedSPropTagArray(8, cols) = {3, {PR_SUBJECT_W, TAG_UNKNOWN_LONG, PR_BODY_W}};
    SizedSPropTagArray(8, none) = {0, {0}};
    SRowSet *rows = NULL, *zero = (LPSRowSet)(uintptr_t)1;
    LONG sought = 99;
    HRESULT hr_cols = table->lpVtbl->SetColumns(table, (LPSPropTagArray)&cols, 0);
    table->lpVtbl->SeekRow(table, BOOKMARK_BEGINNING, 0, NULL);
    HRESULT hr_rows = table->lpVtbl->QueryRows(table, 1, 0, &rows);
    SPropValue *p = rows && rows->cRows == 1 ? rows->aRow[0].lpProps : NULL;
    if (p) narrow(p[0].Value.lpszW, subject, sizeof subject);
    HRESULT hr_none = table->lpVtbl->SetColumns(table, (LPSPropTagArray)&none, 0);
    HRESULT hr_null = table->lpVtbl->SetColumns(table, NULL, 0);
    HRESULT hr_bookmark = table->lpVtbl->SeekRow(table, 99, 1, &sought);
    HRESULT hr_zero = table->lpVtbl->QueryRows(table, 0, 0, &zero);
    HRESULT hr_end = table->lpVtbl->SeekRow(table, BOOKMARK_END, -2, &sought);
    snprintf(observed, sizeof observed,
             "cols=0x%08lX rows=0x%08lX subject=%s unknown=0x%08lX/0x%08lX body=0x%08lX/0x%08lX | none=0x%08lX "
             "null=0x%08lX bookmark=0x%08lX zero=0x%08lX end=0x%08lX/%ld",
             hx(hr_cols), hx(hr_rows), subject, p ? (unsigned long)p[1].ulPropTag : 0ul, p ? hx(p[1].Value.err) : 0ul,
             p ? (unsigned long)p[2].ulPropTag : 0ul, p ? hx(p[2].Value.err) : 0ul, hx(hr_none), hx(hr_null),
             hx(hr_bookmark), hx(hr_zero), hx(hr_end), (long)sought);
    free_rows(rows);
    check("table_bad_columns",
          "cols=0x00000000 rows=0x00000000 subject=Message 1 unknown=0x6666000A/0x8004010F body=0x1000000A/0x8004010F "
          "| none=0x80070057 null=0x80070057 bookmark=0x80040405 zero=0x80070057 end=0x00000000/-2",
          observed);
}

/* The end as MAPI drives it when Outlook closes the store: StoreLogoff, the store's last
 * release (the provider passes StoreLogoff's flags to StoreLogoffTransports and lets the
 * support object go), then IMSLogon::Logoff, Shutdown and the provider's last release. */
static void release_scenario(void) {
    char observed[384];
    ULONG store_logoff_flags = LOGOFF_ORDERLY;
    HRESULT hr_store_logoff = mdb->lpVtbl->StoreLogoff(mdb, &store_logoff_flags);
    IUnknown_Release((IUnknown *)table);
    IUnknown_Release((IUnknown *)inbox);
    IUnknown_Release((IUnknown *)mdb);
    /* The sync thread may hold the store's last reference a moment longer. */
    for (int i = 0; i < 2000 && (support.transports_calls == 0 || support.refs != 1); i++) sleep_ms(1);
    int support_after_store = (int)support.refs;
    ULONG flags = 5;
    HRESULT hr_logoff = mslogon->lpVtbl->Logoff(mslogon, &flags);
    IUnknown_Release((IUnknown *)mslogon);
    ULONG shutdown_flags = 5;
    HRESULT hr_shutdown = provider->lpVtbl->Shutdown(provider, &shutdown_flags);
    ULONG last = IUnknown_Release((IUnknown *)provider);
    for (int i = 0; i < 2000 && live_objects() != 0; i++) sleep_ms(1);
    snprintf(observed, sizeof observed,
             "store_logoff=0x%08lX/%lu transports=%d/0x%08lX support_refs=%d logoff=0x%08lX shutdown=0x%08lX "
             "last=%lu live=%lu blocks=%d bad_frees=%d",
             hx(hr_store_logoff), (unsigned long)store_logoff_flags, (int)support.transports_calls,
             (unsigned long)support.transports_flags, support_after_store, hx(hr_logoff), hx(hr_shutdown),
             (unsigned long)last, (unsigned long)live_objects(), (int)blocks_alive, (int)bad_frees);
    check("release_everything",
          "store_logoff=0x00000000/0 transports=1/0x00000002 support_refs=1 logoff=0x00000000 "
          "shutdown=0x00000000 last=0 live=0 blocks=0 bad_frees=0",
          observed);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s PROVIDER_LIBRARY FOLDER\n", argv[0]);
        return 2;
    }
    void *lib = LOAD(argv[1]);
    if (!lib) {
        fprintf(stderr, "cannot load %s\n", argv[1]);
        return 2;
    }
    ms_provider_init = (ms_provider_init_fn)SYMBOL(lib, "MSProviderInit");
    live_objects = (live_fn)SYMBOL(lib, "MapiSync_LiveObjects");
#ifndef _WIN32
    wait_event = (wait_fn)SYMBOL(lib, "MapiSync_WaitDoneEvent");
    close_event = (close_fn)SYMBOL(lib, "MapiSync_CloseDoneEvent");
    if (!wait_event || !close_event) {
        fprintf(stderr, "the provider does not export its event functions\n");
        return 2;
    }
#endif
    if (!ms_provider_init || !live_objects) {
        fprintf(stderr, "the provider does not export MSProviderInit and MapiSync_LiveObjects\n");
        return 2;
    }
    snprintf(folder, sizeof folder, "%s", argv[2]);
    if (MKDIR(folder) != 0) {
        fprintf(stderr, "cannot make %s\n", folder);
        return 2;
    }
    for (int n = 1; n <= 5; n++) {
        char name[32], subject[32];
        snprintf(name, sizeof name, "%d.eml", n);
        snprintf(subject, sizeof subject, "Message %d", n);
        write_message(name, subject, n);
    }
    support_init(&support);

    init_scenario();
    if (!provider) {
        printf("%d passed, %d failed\n", passed, failed + 1);
        return 1;
    }
    logon_scenario();
    if (!mdb || !mslogon) {
        printf("%d passed, %d failed\n", passed, failed + 1);
        return 1;
    }
    store_props_scenario();
    open_inbox_scenario();
    if (!inbox) {
        printf("%d passed, %d failed\n", passed, failed + 1);
        return 1;
    }
    inbox_rows_scenario();
    open_message_scenario();
    sync_scenario();
    bad_files_scenario();
    missing_folder_scenario();
    busy_scenario();
    bad_entry_ids_scenario();
    bad_columns_scenario();
    release_scenario();

    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
