/*
 * A C host that plays MAPI against a whole store provider (samples/eml-store): it loads
 * the library, calls MSProviderInit with its own MAPIAllocateBuffer/More/FreeBuffer,
 * logs on through IMSProvider::Logon with a minimal IMAPISupport, reads the store's
 * properties, opens the inbox and reads its contents table, drops new .eml files into
 * the folder, asks the store for IMAPISync and syncs, reads the rows again, feeds it bad
 * input, and releases everything, checking that every object was dropped once and every
 * buffer freed. No Rust compiler saw this code. It uses generated/include/mapisync.h
 * (alone on Linux, on top of the mingw-w64 MAPI headers on Windows) for IMAPISync and
 * its callback; the other MAPI structures and vtable indexes it needs are declared below,
 * each with the Microsoft header it comes from (checked against that header on Windows).
 *
 * Usage: store_host LIBRARY FOLDER   (FOLDER must not exist; the host makes it)
 * Prints one line per scenario ("ok NAME" or "FAIL NAME: expected ... observed ..."),
 * then "N passed, M failed"; exits non-zero on any failure.
 */
#define INITGUID
#define COBJMACROS
#include "mapisync.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _WIN32
#include <direct.h>
#include <mapispi.h>
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

/* ---- MAPI facts (docs/FACTS.md) ---- */

/* mapicode.h */
#define H_MAPI_W_ERRORS_RETURNED 0x00040380UL
#define H_MAPI_E_VERSION 0x80040110UL
#define H_MAPI_E_NOT_FOUND 0x8004010FUL
#define H_MAPI_E_UNKNOWN_ENTRYID 0x80040201UL
#define H_MAPI_E_INVALID_ENTRYID 0x80040107UL
#define H_MAPI_E_INVALID_PARAMETER 0x80070057UL
#define H_MAPI_E_INVALID_BOOKMARK 0x80040405UL
#define H_MAPI_E_BUSY 0x8004010BUL
#define H_MAPI_E_CORRUPT_DATA 0x8004011BUL
#define H_MAPI_E_DISK_ERROR 0x80040116UL
#define H_MAPI_E_LOGON_FAILED 0x80040111UL
#define H_MAPI_E_UNCONFIGURED 0x8004011CUL
#define H_MAPI_E_NO_SUPPORT 0x80040102UL
/* mapispi.h */
#define H_CURRENT_SPI_VERSION 0x00010010UL
/* mapidefs.h */
enum { H_MAPI_FOLDER = 3, H_MAPI_MESSAGE = 5, H_BOOKMARK_BEGINNING = 0, H_BOOKMARK_END = 2 };
/* mapitags.h */
enum {
    TAG_DISPLAY_NAME_A = 0x3001001E, TAG_DISPLAY_NAME_W = 0x3001001F, TAG_ENTRYID = 0x0FFF0102,
    TAG_STORE_SUPPORT_MASK = 0x340D0003, TAG_IPM_SUBTREE_ENTRYID = 0x35E00102,
    TAG_CONTENT_COUNT = 0x36020003, TAG_SUBJECT_W = 0x0037001F, TAG_SENDER_NAME_W = 0x0C1A001F,
    TAG_SENDER_EMAIL_W = 0x0C1F001F, TAG_DELIVERY_TIME = 0x0E060040, TAG_BODY_W = 0x1000001F,
    TAG_UNKNOWN_LONG = 0x66660003, TAG_UNKNOWN_ERROR = 0x6666000A,
    TAG_PROVIDER_DISPLAY_W = 0x3006001F, TAG_RECORD_KEY = 0x0FF90102
};

/* Vtable indexes, after IUnknown's three (mapispi.h, mapidefs.h). */
enum {
    /* IMSProvider */
    MSP_SHUTDOWN = 3, MSP_LOGON = 4,
    /* IMSLogon */
    MSL_LOGOFF = 4,
    /* IMAPIProp */
    PROP_GET_PROPS = 5,
    /* IMsgStore : IMAPIProp */
    MDB_COMPARE_ENTRY_IDS = 16, MDB_OPEN_ENTRY = 17, MDB_GET_RECEIVE_FOLDER = 19,
    /* IMAPIContainer : IMAPIProp */
    CONT_GET_CONTENTS_TABLE = 14, CONT_OPEN_ENTRY = 16,
    /* IMAPITable */
    TBL_SET_COLUMNS = 7, TBL_GET_ROW_COUNT = 9, TBL_SEEK_ROW = 10, TBL_QUERY_ROWS = 19,
    /* IMAPISupport: 41 methods after IUnknown's */
    SUP_OPEN_PROFILE_SECTION = 9, SUP_SET_PROVIDER_UID = 16, SUP_ENTRIES = 44,
    /* IProfSect : IMAPIProp, nothing of its own */
    PROP_SET_PROPS = 8, PROFSECT_ENTRIES = 14
};

/* SPropValue (mapidefs.h): the tag, a pad, and an 8-byte union holding at most a ULONG
 * and a pointer. SRow and SRowSet likewise. */
typedef struct HostPropValue {
    ULONG ulPropTag;
    ULONG dwAlignPad;
    union {
        int32_t l;
        struct { ULONG dwLowDateTime, dwHighDateTime; } ft;
        char *lpszA;
        WCHAR *lpszW;
        struct { ULONG cb; unsigned char *lpb; } bin;
        HRESULT err;
    } Value;
} HostPropValue;
typedef struct HostRow { ULONG ulAdrEntryPad; ULONG cValues; HostPropValue *lpProps; } HostRow;
typedef struct HostRowSet { ULONG cRows; HostRow aRow[1]; } HostRowSet;
typedef struct { ULONG cValues; ULONG aulPropTag[8]; } HostTags;
typedef struct { unsigned char ab[16]; } HostUid; /* MAPIUID */
_Static_assert(sizeof(HostPropValue) == 8 + 2 * sizeof(void *), "SPropValue's size");
_Static_assert(sizeof(HostRow) == 8 + sizeof(void *), "SRow's size");
_Static_assert(offsetof(HostRowSet, aRow) == sizeof(void *), "SRowSet's rows");
#ifdef _WIN32
/* On Windows the real headers are here: the declarations above must agree with them. */
_Static_assert(sizeof(HostPropValue) == sizeof(SPropValue), "SPropValue");
_Static_assert(sizeof(HostRow) == sizeof(SRow), "SRow");
_Static_assert(offsetof(HostRowSet, aRow) == offsetof(SRowSet, aRow), "SRowSet");
#define SLOT(vtbl, m) (offsetof(vtbl, m) / sizeof(void *))
_Static_assert(SLOT(IMSProviderVtbl, Logon) == MSP_LOGON, "IMSProvider::Logon");
_Static_assert(SLOT(IMSProviderVtbl, Shutdown) == MSP_SHUTDOWN, "IMSProvider::Shutdown");
_Static_assert(SLOT(IMSLogonVtbl, Logoff) == MSL_LOGOFF, "IMSLogon::Logoff");
_Static_assert(SLOT(IMsgStoreVtbl, GetProps) == PROP_GET_PROPS, "IMAPIProp::GetProps");
_Static_assert(SLOT(IMsgStoreVtbl, CompareEntryIDs) == MDB_COMPARE_ENTRY_IDS, "IMsgStore::CompareEntryIDs");
_Static_assert(SLOT(IMsgStoreVtbl, OpenEntry) == MDB_OPEN_ENTRY, "IMsgStore::OpenEntry");
_Static_assert(SLOT(IMsgStoreVtbl, GetReceiveFolder) == MDB_GET_RECEIVE_FOLDER, "IMsgStore::GetReceiveFolder");
_Static_assert(SLOT(IMAPIFolderVtbl, GetContentsTable) == CONT_GET_CONTENTS_TABLE, "GetContentsTable");
_Static_assert(SLOT(IMAPIFolderVtbl, OpenEntry) == CONT_OPEN_ENTRY, "IMAPIContainer::OpenEntry");
_Static_assert(SLOT(IMAPITableVtbl, SetColumns) == TBL_SET_COLUMNS, "IMAPITable::SetColumns");
_Static_assert(SLOT(IMAPITableVtbl, GetRowCount) == TBL_GET_ROW_COUNT, "IMAPITable::GetRowCount");
_Static_assert(SLOT(IMAPITableVtbl, SeekRow) == TBL_SEEK_ROW, "IMAPITable::SeekRow");
_Static_assert(SLOT(IMAPITableVtbl, QueryRows) == TBL_QUERY_ROWS, "IMAPITable::QueryRows");
_Static_assert(SLOT(IMAPISupportVtbl, SetProviderUID) == SUP_SET_PROVIDER_UID, "SetProviderUID");
_Static_assert(SLOT(IMAPISupportVtbl, OpenProfileSection) == SUP_OPEN_PROFILE_SECTION, "OpenProfileSection");
_Static_assert(SLOT(IProfSectVtbl, SetProps) == PROP_SET_PROPS, "IMAPIProp::SetProps");
_Static_assert(sizeof(IProfSectVtbl) == PROFSECT_ENTRIES * sizeof(void *), "IProfSect's size");
_Static_assert(sizeof(IMAPISupportVtbl) == SUP_ENTRIES * sizeof(void *), "IMAPISupport's size");
#endif

/* ---- The provider's exports ---- */

/* MSProviderInit is STDMAPIINITCALLTYPE, __cdecl (mapidefs.h): the C default. */
typedef HRESULT (*ms_provider_init_fn)(void *hInstance, void *lpMalloc, void *lpAllocateBuffer,
                                       void *lpAllocateMore, void *lpFreeBuffer, ULONG ulFlags,
                                       ULONG ulMAPIVer, ULONG *lpulProviderVer, void **lppMSProvider);
typedef ULONG(STDMETHODCALLTYPE *live_fn)(void);
static ms_provider_init_fn ms_provider_init;
static live_fn live_objects;
#ifndef _WIN32
typedef ULONG(STDMETHODCALLTYPE *wait_fn)(HANDLE event, ULONG milliseconds);
typedef void(STDMETHODCALLTYPE *close_fn)(HANDLE event);
static wait_fn wait_event;
static close_fn close_event;
#endif

/* Vtable calls by index. */
typedef void (*any_fn)(void);
static any_fn entry(void *obj, int index) { return (*(any_fn **)obj)[index]; }
typedef HRESULT(STDMETHODCALLTYPE *logon_fn)(void *This, void *lpMAPISup, uintptr_t ulUIParam,
                                              char *lpszProfileName, ULONG cbEntryID, void *lpEntryID,
                                              ULONG ulFlags, const GUID *lpInterface,
                                              ULONG *lpcbSpoolSecurity, unsigned char **lppbSpoolSecurity,
                                              void **lppMAPIError, void **lppMSLogon, void **lppMDB);
typedef HRESULT(STDMETHODCALLTYPE *flags_out_fn)(void *This, ULONG *lpulFlags);
typedef HRESULT(STDMETHODCALLTYPE *get_props_fn)(void *This, HostTags *lpPropTagArray, ULONG ulFlags,
                                                  ULONG *lpcValues, HostPropValue **lppPropArray);
typedef HRESULT(STDMETHODCALLTYPE *open_entry_fn)(void *This, ULONG cbEntryID, void *lpEntryID,
                                                   const GUID *lpInterface, ULONG ulFlags,
                                                   ULONG *lpulObjType, IUnknown **lppUnk);
typedef HRESULT(STDMETHODCALLTYPE *compare_fn)(void *This, ULONG cb1, void *id1, ULONG cb2, void *id2,
                                                ULONG ulFlags, ULONG *lpulResult);
typedef HRESULT(STDMETHODCALLTYPE *receive_folder_fn)(void *This, char *lpszMessageClass, ULONG ulFlags,
                                                       ULONG *lpcbEntryID, void **lppEntryID,
                                                       char **lppszExplicitClass);
typedef HRESULT(STDMETHODCALLTYPE *contents_fn)(void *This, ULONG ulFlags, void **lppTable);
typedef HRESULT(STDMETHODCALLTYPE *set_columns_fn)(void *This, HostTags *lpPropTagArray, ULONG ulFlags);
typedef HRESULT(STDMETHODCALLTYPE *row_count_fn)(void *This, ULONG ulFlags, ULONG *lpulCount);
typedef HRESULT(STDMETHODCALLTYPE *seek_row_fn)(void *This, ULONG bkOrigin, int32_t lRowCount,
                                                 int32_t *lplRowsSought);
typedef HRESULT(STDMETHODCALLTYPE *query_rows_fn)(void *This, int32_t lRowCount, ULONG ulFlags,
                                                   HostRowSet **lppRows);

/* IIDs (mapiguid.h), under names of our own (the Windows headers declare the real). */
static const GUID iid_mapi_support = {0x0002030F, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};

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
    if (!b) return (SCODE)0x8007000E;
    b->h.magic = ROOT;
    __atomic_add_fetch(&blocks_alive, 1, __ATOMIC_SEQ_CST);
    *out = b + 1;
    return 0;
}

static SCODE STDMETHODCALLTYPE host_allocate_more(ULONG cb, void *parent, void **out) {
    Block *root = parent ? (Block *)parent - 1 : NULL;
    if (!root || root->h.magic != ROOT) return (SCODE)H_MAPI_E_INVALID_PARAMETER;
    Block *b = calloc(1, sizeof(Block) + cb);
    if (!b) return (SCODE)0x8007000E;
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
static void free_rows(HostRowSet *rows) {
    if (!rows) return;
    for (ULONG i = 0; i < rows->cRows; i++) host_free_buffer(rows->aRow[i].lpProps);
    host_free_buffer(rows);
}

/* ---- A minimal IMAPISupport: IUnknown, OpenProfileSection and SetProviderUID; the rest
 * MAPI_E_NO_SUPPORT. Its profile section records what SetProps writes. ---- */

typedef struct ProfSect {
    any_fn *lpVtbl;
    volatile int32_t refs;
    ULONG set_calls, count, tags[8];
    char name[64], provider[64];
    ULONG entry_cb, key_cb;
    unsigned char entry[600], key[16];
} ProfSect;

typedef struct Support {
    any_fn *lpVtbl;
    volatile int32_t refs;
    int uid_calls;
    HostUid uid;
    ProfSect section;
} Support;

static HRESULT STDMETHODCALLTYPE sup_query(Support *This, REFIID riid, void **ppv) {
    if (!ppv) return E_POINTER;
    *ppv = NULL;
    if (memcmp(riid, &IID_IUnknown, sizeof(GUID)) == 0 || memcmp(riid, &iid_mapi_support, sizeof(GUID)) == 0) {
        __atomic_add_fetch(&This->refs, 1, __ATOMIC_SEQ_CST);
        *ppv = This;
        return S_OK;
    }
    return E_NOINTERFACE;
}
static ULONG STDMETHODCALLTYPE sup_addref(Support *This) {
    return (ULONG)__atomic_add_fetch(&This->refs, 1, __ATOMIC_SEQ_CST);
}
static ULONG STDMETHODCALLTYPE sup_release(Support *This) {
    return (ULONG)__atomic_sub_fetch(&This->refs, 1, __ATOMIC_SEQ_CST);
}
static HRESULT STDMETHODCALLTYPE sup_set_provider_uid(Support *This, HostUid *uid, ULONG flags) {
    (void)flags;
    This->uid_calls++;
    if (uid) This->uid = *uid;
    return S_OK;
}
static void narrow(const WCHAR *w, char *out, size_t cap);
static HRESULT STDMETHODCALLTYPE sup_open_profile_section(Support *This, HostUid *uid, ULONG flags, void **out) {
    (void)uid;
    (void)flags;
    if (!out) return (HRESULT)H_MAPI_E_INVALID_PARAMETER;
    __atomic_add_fetch(&This->section.refs, 1, __ATOMIC_SEQ_CST);
    *out = &This->section;
    return S_OK;
}
static ULONG STDMETHODCALLTYPE sect_addref(ProfSect *This) {
    return (ULONG)__atomic_add_fetch(&This->refs, 1, __ATOMIC_SEQ_CST);
}
static ULONG STDMETHODCALLTYPE sect_release(ProfSect *This) {
    return (ULONG)__atomic_sub_fetch(&This->refs, 1, __ATOMIC_SEQ_CST);
}
/* Copies what it is given, as MAPI does: the caller's array stays the caller's. */
static HRESULT STDMETHODCALLTYPE sect_set_props(ProfSect *This, ULONG count, HostPropValue *values, void **problems) {
    if (problems) *problems = NULL;
    This->set_calls++;
    This->count = count;
    for (ULONG i = 0; i < count && i < 8; i++) {
        HostPropValue *v = &values[i];
        This->tags[i] = v->ulPropTag;
        if (v->ulPropTag == TAG_DISPLAY_NAME_W) narrow(v->Value.lpszW, This->name, sizeof This->name);
        if (v->ulPropTag == TAG_PROVIDER_DISPLAY_W) narrow(v->Value.lpszW, This->provider, sizeof This->provider);
        if (v->ulPropTag == TAG_ENTRYID && v->Value.bin.cb <= sizeof This->entry) {
            This->entry_cb = v->Value.bin.cb;
            memcpy(This->entry, v->Value.bin.lpb, v->Value.bin.cb);
        }
        if (v->ulPropTag == TAG_RECORD_KEY && v->Value.bin.cb == 16) {
            This->key_cb = 16;
            memcpy(This->key, v->Value.bin.lpb, 16);
        }
    }
    return S_OK;
}
/* The other methods: never called by this provider; if one were, it would see this. On
 * x86_64 (the only ABI this host runs on) the caller cleans the stack, so one stub
 * serves every signature. */
static HRESULT STDMETHODCALLTYPE sup_no_support(void *This) {
    (void)This;
    return (HRESULT)H_MAPI_E_NO_SUPPORT;
}
static any_fn support_vtbl[SUP_ENTRIES], section_vtbl[PROFSECT_ENTRIES];

static void support_init(Support *s) {
    for (int i = 0; i < SUP_ENTRIES; i++) support_vtbl[i] = (any_fn)sup_no_support;
    support_vtbl[0] = (any_fn)sup_query;
    support_vtbl[1] = (any_fn)sup_addref;
    support_vtbl[2] = (any_fn)sup_release;
    support_vtbl[SUP_OPEN_PROFILE_SECTION] = (any_fn)sup_open_profile_section;
    support_vtbl[SUP_SET_PROVIDER_UID] = (any_fn)sup_set_provider_uid;
    for (int i = 0; i < PROFSECT_ENTRIES; i++) section_vtbl[i] = (any_fn)sup_no_support;
    section_vtbl[1] = (any_fn)sect_addref;
    section_vtbl[2] = (any_fn)sect_release;
    section_vtbl[PROP_SET_PROPS] = (any_fn)sect_set_props;
    memset(s, 0, sizeof *s);
    s->lpVtbl = support_vtbl;
    s->refs = 1;
    s->section.lpVtbl = section_vtbl;
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

static unsigned long long filetime(const HostPropValue *v) {
    return ((unsigned long long)v->Value.ft.dwHighDateTime << 32) | v->Value.ft.dwLowDateTime;
}

/* ---- State across scenarios ---- */

static Support support;
static void *provider, *mslogon, *mdb, *inbox, *table;
static unsigned char store_id[600];
static ULONG store_id_cb;

/* Opens the entry and returns its object (NULL on failure), the type in *kind. */
static IUnknown *open_entry(void *container, int index, ULONG cb, void *id, ULONG *kind, HRESULT *hr) {
    IUnknown *unk = (IUnknown *)(uintptr_t)1;
    *hr = ((open_entry_fn)entry(container, index))(container, cb, id, NULL, 0, kind, &unk);
    return unk;
}

/* The subjects of every row from the start, as "s1|s2|...", and the count. */
static void read_subjects(char *out, size_t cap, ULONG *count) {
    HostTags cols = {2, {TAG_SUBJECT_W, TAG_DELIVERY_TIME}};
    HostRowSet *rows = NULL;
    out[0] = 0;
    ((set_columns_fn)entry(table, TBL_SET_COLUMNS))(table, (HostTags *)&cols, 0);
    ((seek_row_fn)entry(table, TBL_SEEK_ROW))(table, H_BOOKMARK_BEGINNING, 0, NULL);
    ((row_count_fn)entry(table, TBL_GET_ROW_COUNT))(table, 0, count);
    if (((query_rows_fn)entry(table, TBL_QUERY_ROWS))(table, 1000, 0, &rows) != S_OK || !rows) return;
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
    void *old = (void *)1, *null_alloc = (void *)1;
    HRESULT hr_old = ms_provider_init(NULL, NULL, (void *)host_allocate_buffer, (void *)host_allocate_more,
                                      (void *)host_free_buffer, 0, 0x00010000, &v_old, &old);
    HRESULT hr_null = ms_provider_init(NULL, NULL, (void *)host_allocate_buffer, NULL, (void *)host_free_buffer, 0,
                                       H_CURRENT_SPI_VERSION, &v_null, &null_alloc);
    HRESULT hr = ms_provider_init(NULL, NULL, (void *)host_allocate_buffer, (void *)host_allocate_more,
                                  (void *)host_free_buffer, 0, H_CURRENT_SPI_VERSION, &version, &provider);
    snprintf(observed, sizeof observed, "hr=0x%08lX version=0x%08lX provider=%s old=0x%08lX/%s null_allocator=0x%08lX/%s live=%lu",
             hx(hr), (unsigned long)version, provider ? "set" : "null", hx(hr_old), old ? "set" : "null",
             hx(hr_null), null_alloc ? "set" : "null", (unsigned long)live_objects());
    check("ms_provider_init",
          "hr=0x00000000 version=0x00010010 provider=set old=0x80040110/null null_allocator=0x80070057/null live=1",
          observed);
}

static HRESULT logon(ULONG cb, void *id, void **out_logon, void **out_mdb) {
    ULONG spool_cb = 7;
    unsigned char *spool = (unsigned char *)(uintptr_t)1;
    void *error = (void *)1;
    *out_logon = (void *)1;
    *out_mdb = (void *)1;
    return ((logon_fn)entry(provider, MSP_LOGON))(provider, &support, 0, "Profile", cb, id, 0, NULL, &spool_cb,
                                                   &spool, &error, out_logon, out_mdb);
}

static void logon_scenario(void) {
    char observed[1024];
    void *l2, *m2;
    /* Bad input first: no entry identifier, a folder that does not exist, another
     * provider's identifier. Nothing is handed out, no reference to the support kept. */
    unsigned char missing[600], foreign[24] = {0};
    memcpy(missing, store_id, 20);
    ULONG missing_cb = 20 + (ULONG)snprintf((char *)missing + 20, sizeof missing - 20, "%s.missing", folder);
    memcpy(foreign + 4, "another provider", 16);
    HRESULT hr_none = logon(0, NULL, &l2, &m2);
    int none_null = !l2 && !m2;
    HRESULT hr_missing = logon(missing_cb, missing, &l2, &m2);
    int missing_null = !l2 && !m2;
    HRESULT hr_foreign = logon(sizeof foreign, foreign, &l2, &m2);
    int refs_after_bad = (int)support.refs;

    HRESULT hr = logon(store_id_cb, store_id, &mslogon, &mdb);
    ProfSect *p = &support.section;
    int entry_ours = p->entry_cb == store_id_cb && memcmp(p->entry, store_id, store_id_cb) == 0;
    int key_is_uid = p->key_cb == 16 && memcmp(p->key, support.uid.ab, 16) == 0;
    snprintf(observed, sizeof observed,
             "unconfigured=0x%08lX/%d missing=0x%08lX/%d foreign=0x%08lX refs=%d | hr=0x%08lX logon=%s mdb=%s "
             "set_provider_uid=%d support_refs=%d | profile: set_props=%lu count=%lu name=%s entryid=%s "
             "provider=%s record_key=%s refs=%d",
             hx(hr_none), none_null, hx(hr_missing), missing_null, hx(hr_foreign), refs_after_bad, hx(hr),
             mslogon ? "set" : "null", mdb ? "set" : "null", support.uid_calls, (int)support.refs,
             (unsigned long)p->set_calls, (unsigned long)p->count, p->name, entry_ours ? "ours" : "other",
             p->provider, key_is_uid ? "uid" : "other", (int)p->refs);
    check("logon",
          "unconfigured=0x8004011C/1 missing=0x80040111/1 foreign=0x80040201 refs=1 | hr=0x00000000 logon=set "
          "mdb=set set_provider_uid=1 support_refs=2 | profile: set_props=1 count=4 name=EML store: mail "
          "entryid=ours provider=EML store record_key=uid refs=1",
          observed);
}

static void store_props_scenario(void) {
    char observed[512], name_w[64] = "-";
    HostTags tags = {6, {TAG_DISPLAY_NAME_A, TAG_DISPLAY_NAME_W, TAG_ENTRYID, TAG_STORE_SUPPORT_MASK,
                         TAG_IPM_SUBTREE_ENTRYID, TAG_BODY_W}};
    ULONG count = 0;
    HostPropValue *v = NULL;
    HRESULT hr = ((get_props_fn)entry(mdb, PROP_GET_PROPS))(mdb, &tags, 0, &count, &v);
    if (hr == (HRESULT)H_MAPI_W_ERRORS_RETURNED && count == 6 && v) {
        narrow(v[1].Value.lpszW, name_w, sizeof name_w);
        int same_id = v[2].Value.bin.cb == store_id_cb && memcmp(v[2].Value.bin.lpb, store_id, store_id_cb) == 0;
        /* The subtree's identifier: flags, the store's MAPIUID (the one registered), 'R'. */
        int subtree = v[4].Value.bin.cb == 21 && memcmp(v[4].Value.bin.lpb + 4, support.uid.ab, 16) == 0 &&
                      v[4].Value.bin.lpb[20] == 'R';
        snprintf(observed, sizeof observed, "name=%s name_w=%s entryid=%s mask=0x%08lX subtree=%s body=0x%08lX/0x%08lX",
                 v[0].ulPropTag == TAG_DISPLAY_NAME_A ? v[0].Value.lpszA : "-", name_w, same_id ? "ours" : "other",
                 (unsigned long)v[3].Value.l, subtree ? "root" : "other", (unsigned long)v[5].ulPropTag,
                 hx(v[5].Value.err));
    } else {
        snprintf(observed, sizeof observed, "hr=0x%08lX count=%lu", hx(hr), (unsigned long)count);
    }
    host_free_buffer(v);
    check("store_props",
          "name=EML store: mail name_w=EML store: mail entryid=ours mask=0x00000003 subtree=root "
          "body=0x1000000A/0x8004010F",
          observed);
}

static void open_inbox_scenario(void) {
    char observed[512], inbox_name[64] = "-", root_name[64] = "-";
    ULONG cb = 0, kind = 0, root_kind = 0, count = 0, same = 9, differ = 9;
    void *id = NULL;
    char *cls = NULL;
    HostTags tags = {3, {TAG_DISPLAY_NAME_W, TAG_CONTENT_COUNT, TAG_ENTRYID}};
    HostPropValue *v = NULL, *rv = NULL;
    HRESULT hr;
    HRESULT hr_rf = ((receive_folder_fn)entry(mdb, MDB_GET_RECEIVE_FOLDER))(mdb, "IPM.Note", 0, &cb, &id, &cls);
    inbox = open_entry(mdb, MDB_OPEN_ENTRY, cb, id, &kind, &hr);
    HRESULT hr_props = inbox ? ((get_props_fn)entry(inbox, PROP_GET_PROPS))(inbox, &tags, 0, &count, &v) : E_POINTER;
    if (hr_props == S_OK) narrow(v[0].Value.lpszW, inbox_name, sizeof inbox_name);
    /* The root: an empty identifier; it is the IPM subtree. */
    HRESULT hr_root;
    IUnknown *root = open_entry(mdb, MDB_OPEN_ENTRY, 0, NULL, &root_kind, &hr_root);
    ULONG root_count = 0;
    HRESULT hr_root_props = root ? ((get_props_fn)entry(root, PROP_GET_PROPS))(root, &tags, 0, &root_count, &rv) : E_POINTER;
    if (hr_root_props == S_OK) {
        narrow(rv[0].Value.lpszW, root_name, sizeof root_name);
        compare_fn cmp = (compare_fn)entry(mdb, MDB_COMPARE_ENTRY_IDS);
        cmp(mdb, rv[2].Value.bin.cb, rv[2].Value.bin.lpb, rv[2].Value.bin.cb, rv[2].Value.bin.lpb, 0, &same);
        cmp(mdb, rv[2].Value.bin.cb, rv[2].Value.bin.lpb, cb, id, 0, &differ);
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
    HostTags cols = {4, {TAG_SUBJECT_W, TAG_SENDER_NAME_W, TAG_DELIVERY_TIME, TAG_ENTRYID}};
    HostRowSet *rows = NULL, *rest = NULL;
    ULONG count = 0;
    HRESULT hr_table = ((contents_fn)entry(inbox, CONT_GET_CONTENTS_TABLE))(inbox, 0, &table);
    HRESULT hr_cols = ((set_columns_fn)entry(table, TBL_SET_COLUMNS))(table, &cols, 0);
    HRESULT hr_count = ((row_count_fn)entry(table, TBL_GET_ROW_COUNT))(table, 0, &count);
    /* Two reads: three rows, then the rest. */
    HRESULT hr_rows = ((query_rows_fn)entry(table, TBL_QUERY_ROWS))(table, 3, 0, &rows);
    HRESULT hr_rest = ((query_rows_fn)entry(table, TBL_QUERY_ROWS))(table, 100, 0, &rest);
    snprintf(observed, sizeof observed, "table=0x%08lX cols=0x%08lX count=0x%08lX/%lu rows=0x%08lX/0x%08lX/%lu+%lu",
             hx(hr_table), hx(hr_cols), hx(hr_count), (unsigned long)count, hx(hr_rows), hx(hr_rest),
             rows ? (unsigned long)rows->cRows : 0ul, rest ? (unsigned long)rest->cRows : 0ul);
    int ordered = 1;
    for (int part = 0; part < 2; part++) {
        HostRowSet *set = part ? rest : rows;
        for (ULONG i = 0; set && i < set->cRows; i++) {
            int n = (int)(part ? 3 + i : i) + 1;
            HostPropValue *p = set->aRow[i].lpProps;
            char subject[64], sender[64], want_subject[64], want_sender[64];
            narrow(p[0].Value.lpszW, subject, sizeof subject);
            narrow(p[1].Value.lpszW, sender, sizeof sender);
            snprintf(want_subject, sizeof want_subject, "Message %d", n);
            snprintf(want_sender, sizeof want_sender, "Sender %d", n);
            if (strcmp(subject, want_subject) || strcmp(sender, want_sender) ||
                filetime(&p[2]) != DEC_1_2026 + (unsigned long long)n * HOUR || p[3].Value.bin.cb < 21 ||
                p[3].Value.bin.lpb[20] != 'M') {
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
    HostTags cols = {1, {TAG_ENTRYID}};
    HostTags tags = {4, {TAG_SUBJECT_W, TAG_BODY_W, TAG_SENDER_EMAIL_W, TAG_DELIVERY_TIME}};
    HostRowSet *rows = NULL;
    HostPropValue *v = NULL;
    ULONG kind = 0, count = 0;
    HRESULT hr = E_POINTER, hr_props = E_POINTER;
    IUnknown *message = NULL;
    ((set_columns_fn)entry(table, TBL_SET_COLUMNS))(table, &cols, 0);
    ((seek_row_fn)entry(table, TBL_SEEK_ROW))(table, H_BOOKMARK_BEGINNING, 1, NULL);
    ((query_rows_fn)entry(table, TBL_QUERY_ROWS))(table, 1, 0, &rows);
    if (rows && rows->cRows == 1) {
        HostPropValue *id = &rows->aRow[0].lpProps[0];
        message = open_entry(inbox, CONT_OPEN_ENTRY, id->Value.bin.cb, id->Value.bin.lpb, &kind, &hr);
    }
    if (message) hr_props = ((get_props_fn)entry(message, PROP_GET_PROPS))(message, &tags, 0, &count, &v);
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

static void bad_entry_ids_scenario(void) {
    char observed[512];
    unsigned char other[40] = {0}, missing[40] = {0}, tiny[2] = {0};
    ULONG kind = 0, result = 7;
    HRESULT hr_other, hr_missing, hr_tiny;
    /* Another store of this provider: another MAPIUID after the flags. */
    memcpy(other + 4, support.uid.ab, 16);
    other[4] ^= 0xFF;
    other[20] = 'M';
    memcpy(other + 21, "new1.eml", 8);
    /* This store, a message it does not have. */
    memcpy(missing + 4, support.uid.ab, 16);
    missing[20] = 'M';
    memcpy(missing + 21, "gone.eml", 8);
    IUnknown *a = open_entry(mdb, MDB_OPEN_ENTRY, 29, other, &kind, &hr_other);
    IUnknown *b = open_entry(inbox, CONT_OPEN_ENTRY, 29, missing, &kind, &hr_missing);
    IUnknown *c = open_entry(mdb, MDB_OPEN_ENTRY, sizeof tiny, tiny, &kind, &hr_tiny);
    compare_fn cmp = (compare_fn)entry(mdb, MDB_COMPARE_ENTRY_IDS);
    HRESULT hr_cmp = cmp(mdb, 29, other, 29, missing, 0, &result);
    HRESULT hr_null = ((open_entry_fn)entry(mdb, MDB_OPEN_ENTRY))(mdb, 29, missing, NULL, 0, &kind, NULL);
    /* Still usable: the good identifier opens. */
    memcpy(missing + 21, "new1.eml", 8);
    HRESULT hr_good;
    IUnknown *good = open_entry(mdb, MDB_OPEN_ENTRY, 29, missing, &kind, &hr_good);
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
    HostTags cols = {3, {TAG_SUBJECT_W, TAG_UNKNOWN_LONG, TAG_BODY_W}};
    HostTags none = {0, {0}};
    HostRowSet *rows = NULL, *zero = (HostRowSet *)(uintptr_t)1;
    int32_t sought = 99;
    HRESULT hr_cols = ((set_columns_fn)entry(table, TBL_SET_COLUMNS))(table, &cols, 0);
    ((seek_row_fn)entry(table, TBL_SEEK_ROW))(table, H_BOOKMARK_BEGINNING, 0, NULL);
    HRESULT hr_rows = ((query_rows_fn)entry(table, TBL_QUERY_ROWS))(table, 1, 0, &rows);
    HostPropValue *p = rows && rows->cRows == 1 ? rows->aRow[0].lpProps : NULL;
    if (p) narrow(p[0].Value.lpszW, subject, sizeof subject);
    HRESULT hr_none = ((set_columns_fn)entry(table, TBL_SET_COLUMNS))(table, &none, 0);
    HRESULT hr_null = ((set_columns_fn)entry(table, TBL_SET_COLUMNS))(table, NULL, 0);
    HRESULT hr_bookmark = ((seek_row_fn)entry(table, TBL_SEEK_ROW))(table, 99, 1, &sought);
    HRESULT hr_zero = ((query_rows_fn)entry(table, TBL_QUERY_ROWS))(table, 0, 0, &zero);
    HRESULT hr_end = ((seek_row_fn)entry(table, TBL_SEEK_ROW))(table, H_BOOKMARK_END, -2, &sought);
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

static void release_scenario(void) {
    char observed[256];
    ULONG flags = 5;
    HRESULT hr_logoff = ((flags_out_fn)entry(mslogon, MSL_LOGOFF))(mslogon, &flags);
    int support_after_logoff = (int)support.refs;
    IUnknown_Release((IUnknown *)table);
    IUnknown_Release((IUnknown *)inbox);
    IUnknown_Release((IUnknown *)mdb);
    IUnknown_Release((IUnknown *)mslogon);
    ULONG shutdown_flags = 5;
    HRESULT hr_shutdown = ((flags_out_fn)entry(provider, MSP_SHUTDOWN))(provider, &shutdown_flags);
    ULONG last = IUnknown_Release((IUnknown *)provider);
    /* The sync thread may still be letting go of the store: give it a moment. */
    for (int i = 0; i < 2000 && live_objects() != 0; i++) sleep_ms(1);
    snprintf(observed, sizeof observed,
             "logoff=0x%08lX support_refs=%d shutdown=0x%08lX last=%lu live=%lu blocks=%d bad_frees=%d",
             hx(hr_logoff), support_after_logoff, hx(hr_shutdown), (unsigned long)last,
             (unsigned long)live_objects(), (int)blocks_alive, (int)bad_frees);
    check("release_everything",
          "logoff=0x00000000 support_refs=1 shutdown=0x00000000 last=0 live=0 blocks=0 bad_frees=0", observed);
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
    live_objects = (live_fn)SYMBOL(lib, "EmlStore_LiveObjects");
#ifndef _WIN32
    wait_event = (wait_fn)SYMBOL(lib, "EmlStore_WaitEvent");
    close_event = (close_fn)SYMBOL(lib, "EmlStore_CloseEvent");
    if (!wait_event || !close_event) {
        fprintf(stderr, "the provider does not export its event functions\n");
        return 2;
    }
#endif
    if (!ms_provider_init || !live_objects) {
        fprintf(stderr, "the provider does not export MSProviderInit and EmlStore_LiveObjects\n");
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
    /* The store's entry identifier as a profile keeps it: flags, the provider's
     * MAPIUID, the folder's path. */
    memset(store_id, 0, 4);
    memcpy(store_id + 4, "mapi-sync eml v1", 16);
    store_id_cb = 20 + (ULONG)snprintf((char *)store_id + 20, sizeof store_id - 20, "%s", folder);
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
