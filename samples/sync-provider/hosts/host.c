/*
 * A C host that plays Outlook against a provider library built with
 * #[mapi_sync_provider]: no Rust compiler saw this code. It uses only
 * generated/include/mapisync.h (standing alone on Linux, on top of the mingw-w64 MAPI
 * headers on Windows) and the provider's exported factory.
 *
 * Usage: host PROVIDER_LIBRARY
 * Prints one line per scenario ("ok NAME" or "FAIL NAME: expected ... observed ..."),
 * then "N passed, M failed"; exits non-zero on any failure.
 */
#define INITGUID
#define COBJMACROS
#include "mapisync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <stdint.h>

#ifdef _WIN32
#define LOAD(path) ((void *)LoadLibraryA(path))
#define SYMBOL(lib, name) ((void *)GetProcAddress((HMODULE)(lib), name))
#else
#include <dlfcn.h>
#define LOAD(path) dlopen(path, RTLD_NOW | RTLD_LOCAL)
#define SYMBOL(lib, name) dlsym(lib, name)
#endif

/* The provider library's exports. */
typedef HRESULT(STDMETHODCALLTYPE *create_fn)(ULONG mode, IUnknown **out);
typedef ULONG(STDMETHODCALLTYPE *live_fn)(void);
#ifndef _WIN32
/* The header's types for the runtime's done-event exports (Linux). */
typedef LPMAPISYNC_WAITDONEEVENT wait_fn;
typedef LPMAPISYNC_CLOSEDONEEVENT close_fn;
static wait_fn wait_event;
static close_fn close_event;
#endif
static create_fn create_provider;
static live_fn live_objects;
typedef HRESULT(STDMETHODCALLTYPE *make_fn)(IUnknown **out);
static make_fn create_sink, create_folder;
static live_fn notifications;

enum { MODE_OK = 0, MODE_ERROR = 1, MODE_PANIC = 2 };

/* ---- Our IMAPISyncProgressCallback: records every call. ---- */

typedef struct Recorder {
    IMAPISyncProgressCallback iface;
    volatile int32_t refs;
    char log[4096];
    volatile int32_t done_calls;
    HANDLE done_handle; /* what Done was given */
    int supports_callback; /* 0: answers only IUnknown */
    HANDLE *volatile watch_slot; /* if set, Done checks the caller's phSyncDoneEvent slot */
    volatile int32_t slot_matched; /* Done calls that found their handle already there */
} Recorder;

static Recorder *from(IMAPISyncProgressCallback *This) { return (Recorder *)This; }

static void append(Recorder *r, const char *text) {
    size_t used = strlen(r->log);
    if (used + strlen(text) + 2 < sizeof r->log) {
        if (used) strcat(r->log, " ");
        strcat(r->log, text);
    }
}

/* UTF-16 to ASCII for the log (our texts are ASCII). */
static void narrow(const WCHAR *w, char *out, size_t cap) {
    size_t i = 0;
    if (!w) { snprintf(out, cap, "NULL"); return; }
    for (; w[i] && i + 1 < cap; i++) out[i] = (w[i] < 128) ? (char)w[i] : '?';
    out[i] = 0;
}

static HRESULT STDMETHODCALLTYPE cb_query(IMAPISyncProgressCallback *This, REFIID riid, void **ppv) {
    Recorder *r = from(This);
    if (!ppv) return E_POINTER;
    *ppv = NULL;
    if (memcmp(riid, &IID_IUnknown, sizeof(GUID)) == 0 ||
        (r->supports_callback && memcmp(riid, &IID_IMAPISyncProgressCallback, sizeof(GUID)) == 0)) {
        __atomic_add_fetch(&r->refs, 1, __ATOMIC_SEQ_CST);
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
    char t[256], line[320];
    narrow(text, t, sizeof t);
    snprintf(line, sizeof line, "P(%s,%lu,%lu)", t, (unsigned long)i, (unsigned long)max);
    append(from(This), line);
    return S_OK;
}
static HRESULT STDMETHODCALLTYPE cb_error(IMAPISyncProgressCallback *This, HRESULT hr, const WCHAR *text) {
    char t[256], line[320];
    narrow(text, t, sizeof t);
    snprintf(line, sizeof line, "E(0x%08lX,%s)", (unsigned long)(ULONG)hr, t);
    append(from(This), line);
    return S_OK;
}
static HRESULT STDMETHODCALLTYPE cb_done(IMAPISyncProgressCallback *This, HANDLE event, HRESULT hr) {
    Recorder *r = from(This);
    char line[64];
    snprintf(line, sizeof line, "D(0x%08lX)", (unsigned long)(ULONG)hr);
    append(r, line);
    r->done_handle = event;
    HANDLE *slot = r->watch_slot;
    if (slot && *slot == event && event != NULL) __atomic_add_fetch(&r->slot_matched, 1, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&r->done_calls, 1, __ATOMIC_SEQ_CST);
    return S_OK;
}

static const IMAPISyncProgressCallbackVtbl recorder_vtbl = {
    cb_query, cb_addref, cb_release, cb_progress, cb_error, cb_done,
};

static void recorder_init(Recorder *r, int supports_callback) {
    memset(r, 0, sizeof *r);
    r->iface.lpVtbl = &recorder_vtbl;
    r->refs = 1;
    r->supports_callback = supports_callback;
}

/* ---- Scenarios ---- */

static int passed, failed;

static void report(const char *name, int ok, const char *expected, const char *observed) {
    if (ok) {
        printf("ok %s\n", name);
        passed++;
    } else {
        printf("FAIL %s: expected [%s] observed [%s]\n", name, expected, observed);
        failed++;
    }
    fflush(stdout);
}

/* The provider's count of references, read by an AddRef/Release pair. */
static ULONG refcount(IUnknown *unk) {
    IUnknown_AddRef(unk);
    return IUnknown_Release(unk);
}

static int wait_for(HANDLE event, ULONG ms) {
#ifdef _WIN32
    return WaitForSingleObject(event, ms) == WAIT_OBJECT_0;
#else
    return wait_event(event, ms) == 0;
#endif
}

static void close_handle(HANDLE event) {
#ifdef _WIN32
    CloseHandle(event);
#else
    close_event(event);
#endif
}

static void sleep_ms(unsigned ms) {
#ifdef _WIN32
    Sleep(ms);
#else
    struct timespec ts = {0, (long)ms * 1000000L};
    nanosleep(&ts, NULL);
#endif
}

/* Runs one sync to the end and compares the calls with `expected`. */
static void sync_scenario(const char *name, ULONG mode, ULONG flags, const char *expected) {
    IUnknown *unk = NULL;
    IMAPISync *sync = NULL;
    Recorder r;
    MAPISIB sib;
    HANDLE event = NULL;
    HRESULT hr;
    char observed[4600];
    ULONG before_live = live_objects();

    recorder_init(&r, 1);
    if (create_provider(mode, &unk) != S_OK || !unk) {
        report(name, 0, "provider created", "factory failed");
        return;
    }
    hr = IUnknown_QueryInterface(unk, &IID_IMAPISync, (void **)&sync);
    if (hr != S_OK || !sync) {
        snprintf(observed, sizeof observed, "QueryInterface(IID_IMAPISync) = 0x%08lX", (unsigned long)(ULONG)hr);
        report(name, 0, "S_OK", observed);
        IUnknown_Release(unk);
        return;
    }
    ULONG refs_before = refcount(unk);

    memset(&sib, 0, sizeof sib);
    sib.ulSize = sizeof sib;
    sib.ulFlags = flags;
    sib.psesSync = NULL;
    sib.punkCallBack = (IUnknown *)&r.iface;
    sib.phSyncDoneEvent = &event;
    hr = IMAPISync_SynchronizeInBackground(sync, &sib);
    if (hr != S_OK || event == NULL) {
        snprintf(observed, sizeof observed, "SynchronizeInBackground = 0x%08lX, event %p", (unsigned long)(ULONG)hr, event);
        report(name, 0, "S_OK and an event", observed);
        IMAPISync_Release(sync);
        IUnknown_Release(unk);
        return;
    }
    int signalled = wait_for(event, 10000);
    /* Done may land just after the event is set: give it a moment. */
    for (int i = 0; i < 1000 && __atomic_load_n(&r.done_calls, __ATOMIC_SEQ_CST) == 0; i++) sleep_ms(1);
    /* The sync thread drops its references after Done: wait for them. */
    for (int i = 0; i < 1000 && (r.refs != 1 || refcount(unk) != refs_before); i++) sleep_ms(1);

    snprintf(observed, sizeof observed,
             "%s | signalled=%d done=%ld done_event=%s callback_refs=%ld provider_refs=%lu/%lu", r.log, signalled,
             (long)r.done_calls, r.done_handle == event ? "ours" : "other", (long)r.refs,
             (unsigned long)refcount(unk), (unsigned long)refs_before);
    char want[4600];
    snprintf(want, sizeof want, "%s | signalled=1 done=1 done_event=ours callback_refs=1 provider_refs=%lu/%lu",
             expected, (unsigned long)refs_before, (unsigned long)refs_before);
    close_handle(event);
    IMAPISync_Release(sync);
    ULONG last = IUnknown_Release(unk);
    int dropped = live_objects() == before_live && last == 0;
    if (!dropped) {
        size_t n = strlen(observed);
        snprintf(observed + n, sizeof observed - n, " | not dropped (last Release %lu)", (unsigned long)last);
    }
    report(name, strcmp(want, observed) == 0, want, observed);
}

/* SynchronizeInBackground with bad input: rejected before anything starts. */
static void rejected_scenario(const char *name, int variant) {
    IUnknown *unk = NULL;
    IMAPISync *sync = NULL;
    Recorder r;
    MAPISIB sib;
    /* Once the pointer itself is valid (variant 3), a failure nulls what it held. */
    HANDLE event = variant == 3 ? (HANDLE)(uintptr_t)0xbad0 : NULL;
    char observed[4400], want[256];

    recorder_init(&r, variant != 3);
    create_provider(MODE_OK, &unk);
    IUnknown_QueryInterface(unk, &IID_IMAPISync, (void **)&sync);
    ULONG refs_before = refcount(unk);
    memset(&sib, 0, sizeof sib);
    sib.ulSize = sizeof sib;
    sib.punkCallBack = (IUnknown *)&r.iface;
    sib.phSyncDoneEvent = &event;
    if (variant == 1) sib.ulSize = 8;
    if (variant == 2) sib.phSyncDoneEvent = NULL;
    HRESULT hr = IMAPISync_SynchronizeInBackground(sync, variant == 0 ? NULL : &sib);
    sleep_ms(50);
    snprintf(observed, sizeof observed, "hr=0x%08lX event=%s calls=[%s] callback_refs=%ld provider_refs=%lu",
             (unsigned long)(ULONG)hr, event ? "set" : "null", r.log, (long)r.refs,
             (unsigned long)refcount(unk));
    snprintf(want, sizeof want, "hr=0x%08lX event=null calls=[] callback_refs=1 provider_refs=%lu",
             (unsigned long)(ULONG)MAPI_E_INVALID_PARAMETER, (unsigned long)refs_before);
    IMAPISync_Release(sync);
    IUnknown_Release(unk);
    report(name, strcmp(want, observed) == 0, want, observed);
}

/* A host that matches Done to its pending syncs by handle: the handle must be in
 * *phSyncDoneEvent before Done can run, in every one of many syncs in a row. */
static void published_handle_scenario(int rounds) {
    IUnknown *unk = NULL;
    IMAPISync *sync = NULL;
    int matched = 0, done = 0;
    char observed[256], want[256];

    create_provider(MODE_OK, &unk);
    IUnknown_QueryInterface(unk, &IID_IMAPISync, (void **)&sync);
    for (int i = 0; i < rounds; i++) {
        Recorder r;
        MAPISIB sib;
        HANDLE event = NULL;
        recorder_init(&r, 1);
        r.watch_slot = &event;
        memset(&sib, 0, sizeof sib);
        sib.ulSize = sizeof sib;
        sib.punkCallBack = (IUnknown *)&r.iface;
        sib.phSyncDoneEvent = &event;
        if (IMAPISync_SynchronizeInBackground(sync, &sib) != S_OK || !event) break;
        wait_for(event, 10000);
        /* The callback's last Release comes before the event: r may go after this. */
        for (int j = 0; j < 1000 && r.refs != 1; j++) sleep_ms(1);
        matched += r.slot_matched;
        done += r.done_calls;
        close_handle(event);
    }
    IMAPISync_Release(sync);
    IUnknown_Release(unk);
    snprintf(observed, sizeof observed, "%d syncs, Done %d times, handle already published in %d", rounds, done, matched);
    snprintf(want, sizeof want, "%d syncs, Done %d times, handle already published in %d", rounds, rounds, rounds);
    report("done_sees_published_handle", strcmp(want, observed) == 0, want, observed);
}

/* ---- Objects made with #[mapi_object]: vtables walked by index, as MAPI would. ---- */

/* IIDs from mapiguid.h, under names of our own (the Windows headers declare the real). */
static const GUID host_iid_advise_sink = {0x00020302, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};
static const GUID host_iid_folder = {0x0002030C, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};
static const GUID host_iid_message = {0x00020307, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};

typedef void (*any_fn)(void);
typedef ULONG(STDMETHODCALLTYPE *on_notify_fn)(void *This, ULONG cNotif, void *lpNotifications);
typedef HRESULT(STDMETHODCALLTYPE *open_entry_fn)(void *This, ULONG cbEntryID, void *lpEntryID,
                                                   const GUID *lpInterface, ULONG ulFlags,
                                                   ULONG *lpulObjType, IUnknown **lppUnk);
/* IMAPIAdviseSink::OnNotify follows IUnknown's three; IMAPIContainer::OpenEntry follows
 * IUnknown's three, IMAPIProp's eleven and GetContentsTable, GetHierarchyTable. */
enum { ON_NOTIFY = 3, OPEN_ENTRY = 16 };

static any_fn entry(void *obj, int index) { return (*(any_fn **)obj)[index]; }

static void sink_scenario(void) {
    IUnknown *unk = NULL;
    void *sink = NULL, *other = (void *)1;
    char observed[256];
    ULONG live = live_objects(), before = notifications();

    create_sink(&unk);
    HRESULT hr = IUnknown_QueryInterface(unk, &host_iid_advise_sink, &sink);
    ((on_notify_fn)entry(sink, ON_NOTIFY))(sink, 2, NULL);
    ((on_notify_fn)entry(sink, ON_NOTIFY))(sink, 3, NULL);
    HRESULT hr_sync = IUnknown_QueryInterface(unk, &IID_IMAPISync, &other);
    snprintf(observed, sizeof observed, "qi=0x%08lX same=%d notified=%lu not_a_store=0x%08lX/%s",
             (unsigned long)(ULONG)hr, sink == (void *)unk, (unsigned long)(notifications() - before),
             (unsigned long)(ULONG)hr_sync, other ? "set" : "null");
    IUnknown_Release((IUnknown *)sink);
    ULONG last = IUnknown_Release(unk);
    size_t n = strlen(observed);
    snprintf(observed + n, sizeof observed - n, " last=%lu dropped=%d", (unsigned long)last,
             live_objects() == live);
    const char *want = "qi=0x00000000 same=1 notified=5 not_a_store=0x80004002/null last=0 dropped=1";
    report("object_advise_sink", strcmp(want, observed) == 0, want, observed);
}

static void folder_scenario(void) {
    IUnknown *unk = NULL, *itself = NULL, *child = NULL;
    void *folder = NULL, *message = NULL;
    ULONG kind_self = 0, kind_child = 0;
    unsigned char entry_id[8] = {0, 0, 0, 0, 'm', 's', 'g', '1'};
    char observed[320];
    ULONG live = live_objects();

    create_folder(&unk);
    IUnknown_QueryInterface(unk, &host_iid_folder, &folder);
    open_entry_fn open = (open_entry_fn)entry(folder, OPEN_ENTRY);
    HRESULT hr1 = open(folder, 0, NULL, NULL, 0, &kind_self, &itself);
    HRESULT hr2 = open(folder, sizeof entry_id, entry_id, NULL, 0, &kind_child, &child);
    HRESULT hr3 = child ? IUnknown_QueryInterface(child, &host_iid_message, &message) : E_POINTER;
    int same = itself == unk;
    /* The host lets the folder go: the message still holds it. */
    IUnknown_Release(itself);
    IUnknown_Release((IUnknown *)folder);
    IUnknown_Release(unk);
    ULONG alive_with_child = live_objects() - live;
    if (message) IUnknown_Release((IUnknown *)message);
    ULONG last = child ? IUnknown_Release(child) : 99;
    snprintf(observed, sizeof observed,
             "self=0x%08lX kind=%lu same=%d child=0x%08lX kind=%lu message=0x%08lX alive=%lu last=%lu dropped=%d",
             (unsigned long)(ULONG)hr1, (unsigned long)kind_self, same, (unsigned long)(ULONG)hr2,
             (unsigned long)kind_child, (unsigned long)(ULONG)hr3, (unsigned long)alive_with_child,
             (unsigned long)last, live_objects() == live);
    const char *want =
        "self=0x00000000 kind=3 same=1 child=0x00000000 kind=5 message=0x00000000 alive=2 last=0 dropped=1";
    report("object_folder_itself_and_child", strcmp(want, observed) == 0, want, observed);
}

/* ---- MAPI's allocators, played by the host: MAPIAllocateBuffer makes a root block,
 * MAPIAllocateMore a child linked to its root, MAPIFreeBuffer frees a root with all its
 * children (Microsoft, "MAPIAllocateBuffer", "MAPIAllocateMore", "MAPIFreeBuffer").
 * Every block is counted, so a scenario sees whether everything handed out was freed. */

typedef union Block {
    struct {
        union Block *children; /* a root's first child; a child's next sibling */
        unsigned magic;
    } h;
    long double align; /* data after the header is aligned for any MAPI type */
} Block;
enum { ROOT = 0x524F4F54u, CHILD = 0x4348494Cu };
static volatile int32_t blocks_alive, bad_frees;

static SCODE STDMETHODCALLTYPE host_allocate_buffer(ULONG cb, void **out) {
    Block *b = calloc(1, sizeof(Block) + cb);
    if (!b) return (SCODE)0x8007000E; /* MAPI_E_NOT_ENOUGH_MEMORY */
    b->h.magic = ROOT;
    __sync_fetch_and_add(&blocks_alive, 1);
    *out = b + 1;
    return 0;
}

static SCODE STDMETHODCALLTYPE host_allocate_more(ULONG cb, void *parent, void **out) {
    Block *root = parent ? (Block *)parent - 1 : NULL;
    if (!root || root->h.magic != ROOT) return (SCODE)0x80070057; /* MAPI_E_INVALID_PARAMETER */
    Block *b = calloc(1, sizeof(Block) + cb);
    if (!b) return (SCODE)0x8007000E;
    b->h.magic = CHILD;
    b->h.children = root->h.children;
    root->h.children = b;
    __sync_fetch_and_add(&blocks_alive, 1);
    *out = b + 1;
    return 0;
}

static ULONG STDMETHODCALLTYPE host_free_buffer(void *p) {
    if (!p) return 0;
    Block *root = (Block *)p - 1;
    if (root->h.magic != ROOT) {
        __sync_fetch_and_add(&bad_frees, 1);
        return 0;
    }
    for (Block *c = root->h.children, *next; c; c = next) {
        next = c->h.children;
        c->h.magic = 0;
        free(c);
        __sync_fetch_and_sub(&blocks_alive, 1);
    }
    root->h.magic = 0;
    free(root);
    __sync_fetch_and_sub(&blocks_alive, 1);
    return 0;
}

/* SPropValue and SPropTagArray as mapidefs.h lays them out: the tag, a pad, and an
 * 8-byte union that holds an SBinary (a ULONG and a pointer), so 16 bytes on 32-bit
 * targets and 24 on 64-bit ones. */
typedef struct HostPropValue {
    ULONG ulPropTag;
    ULONG dwAlignPad;
    union {
        int32_t l;
        struct { ULONG dwLowDateTime, dwHighDateTime; } ft;
        WCHAR *lpszW;
        struct { ULONG cb; unsigned char *lpb; } bin;
        HRESULT err;
    } Value;
} HostPropValue;
_Static_assert(sizeof(HostPropValue) == 8 + 2 * sizeof(void *), "SPropValue's size");
typedef struct { ULONG cValues; ULONG aulPropTag[6]; } HostTags;

/* Tags from mapitags.h; PROP_TAG(PT_UNSPECIFIED, 0x0E08) asks for PR_MESSAGE_SIZE by id. */
enum {
    TAG_SUBJECT_W = 0x0037001F, TAG_MESSAGE_SIZE = 0x0E080003,
    TAG_DELIVERY_TIME = 0x0E060040, TAG_ENTRYID = 0x0FFF0102, TAG_BODY_W = 0x1000001F,
    TAG_SIZE_UNSPECIFIED = 0x0E080000, TAG_BODY_ERROR = 0x1000000A
};
typedef HRESULT(STDMETHODCALLTYPE *set_allocators_fn)(void *buffer, void *more, void *free);
static set_allocators_fn set_allocators;
typedef HRESULT(STDMETHODCALLTYPE *get_props_fn)(void *This, HostTags *lpPropTagArray,
                                                  ULONG ulFlags, ULONG *lpcValues,
                                                  HostPropValue **lppPropArray);
/* IMAPIProp::GetProps follows IUnknown's three, GetLastError and SaveChanges. */
enum { GET_PROPS = 5 };

/* A message's properties through GetProps: the values, in the order asked, a PT_ERROR for
 * the one it lacks, one allocation tree freed by the host's MAPIFreeBuffer, and nothing
 * left allocated after a refused call. */
static void message_props_scenario(void) {
    IUnknown *unk = NULL, *child = NULL;
    void *folder = NULL, *message = NULL;
    ULONG kind = 0, count = 0;
    HostPropValue *values = NULL;
    unsigned char entry_id[8] = {0, 0, 0, 0, 'm', 's', 'g', '1'};
    HostTags tags = {6, {TAG_SUBJECT_W, TAG_MESSAGE_SIZE, TAG_DELIVERY_TIME, TAG_ENTRYID,
                         TAG_BODY_W, TAG_SIZE_UNSPECIFIED}};
    char observed[512], subject[64];
    ULONG live = live_objects();
    int32_t blocks = blocks_alive;

    HRESULT hr_set = set_allocators((void *)host_allocate_buffer, (void *)host_allocate_more,
                                    (void *)host_free_buffer);
    create_folder(&unk);
    IUnknown_QueryInterface(unk, &host_iid_folder, &folder);
    ((open_entry_fn)entry(folder, OPEN_ENTRY))(folder, sizeof entry_id, entry_id, NULL, 0, &kind,
                                                &child);
    IUnknown_QueryInterface(child, &host_iid_message, &message);
    get_props_fn get_props = (get_props_fn)entry(message, GET_PROPS);

    HRESULT hr = get_props(message, &tags, 0, &count, &values);
    int held = blocks_alive - blocks;
    int ok_values = count == 6 && values;
    if (ok_values) narrow(values[0].Value.lpszW, subject, sizeof subject);
    else snprintf(subject, sizeof subject, "-");
    snprintf(observed, sizeof observed,
             "hr=0x%08lX count=%lu subject=%s size=%ld time=%08lX%08lX id=%lu:%.4s "
             "missing=0x%08lX/0x%08lX by_id=0x%08lX/%ld held=%s",
             (unsigned long)(ULONG)hr, (unsigned long)count, subject,
             ok_values ? (long)values[1].Value.l : -1,
             ok_values ? (unsigned long)values[2].Value.ft.dwHighDateTime : 0ul,
             ok_values ? (unsigned long)values[2].Value.ft.dwLowDateTime : 0ul,
             ok_values ? (unsigned long)values[3].Value.bin.cb : 0ul,
             ok_values ? (const char *)values[3].Value.bin.lpb + 4 : "-",
             ok_values ? (unsigned long)values[4].ulPropTag : 0ul,
             ok_values ? (unsigned long)(ULONG)values[4].Value.err : 0ul,
             ok_values ? (unsigned long)values[5].ulPropTag : 0ul,
             ok_values ? (long)values[5].Value.l : -1, held > 1 ? "tree" : "flat");
    host_free_buffer(values);

    /* No tag array: every property. */
    values = NULL;
    HRESULT hr_all = get_props(message, NULL, 0, &count, &values);
    ULONG count_all = count;
    host_free_buffer(values);
    /* A null out-pointer: refused, nothing left allocated. */
    HRESULT hr_null = get_props(message, &tags, 0, NULL, &values);
    int leaked = blocks_alive - blocks;

    IUnknown_Release((IUnknown *)message);
    IUnknown_Release(child);
    IUnknown_Release((IUnknown *)folder);
    IUnknown_Release(unk);
    size_t n = strlen(observed);
    snprintf(observed + n, sizeof observed - n,
             " set=0x%08lX all=0x%08lX/%lu null=0x%08lX leaked=%d bad_frees=%d dropped=%d",
             (unsigned long)(ULONG)hr_set, (unsigned long)(ULONG)hr_all, (unsigned long)count_all,
             (unsigned long)(ULONG)hr_null, leaked, (int)bad_frees, live_objects() == live);
    const char *want =
        "hr=0x00040380 count=6 subject=msg1 size=42 time=01DD8126E8798000 id=8:msg1 "
        "missing=0x1000000A/0x8004010F by_id=0x0E080003/42 held=tree set=0x00000000 "
        "all=0x00000000/4 null=0x80070057 leaked=0 bad_frees=0 dropped=1";
    report("object_message_get_props", strcmp(want, observed) == 0, want, observed);
}

static void query_scenarios(void) {
    IUnknown *unk = NULL, *unk2 = NULL;
    IMAPISync *sync = NULL;
    void *out = (void *)1;
    char observed[256];
    static const GUID unknown_iid = {0x12345678, 0x1234, 0x5678, {1, 2, 3, 4, 5, 6, 7, 8}};

    create_provider(MODE_OK, &unk);
    HRESULT hr = IUnknown_QueryInterface(unk, &unknown_iid, &out);
    snprintf(observed, sizeof observed, "hr=0x%08lX out=%s", (unsigned long)(ULONG)hr, out ? "set" : "null");
    report("unknown_iid", hr == E_NOINTERFACE && out == NULL, "hr=0x80004002 out=null", observed);

    hr = IUnknown_QueryInterface(unk, &IID_IMAPISync, NULL);
    snprintf(observed, sizeof observed, "hr=0x%08lX", (unsigned long)(ULONG)hr);
    report("null_out_pointer", hr == E_POINTER, "hr=0x80004003", observed);

#ifdef __cplusplus
    hr = E_POINTER; /* a null REFIID cannot be formed in C++ */
#else
    out = (void *)1;
    hr = IUnknown_QueryInterface(unk, NULL, &out);
#endif
    snprintf(observed, sizeof observed, "hr=0x%08lX", (unsigned long)(ULONG)hr);
    report("null_iid", hr == E_POINTER, "hr=0x80004003", observed);

    IUnknown_QueryInterface(unk, &IID_IMAPISync, (void **)&sync);
    IMAPISync_QueryInterface(sync, &IID_IUnknown, (void **)&unk2);
    snprintf(observed, sizeof observed, "IUnknown via IMAPISync %s the factory's IUnknown",
             (void *)unk2 == (void *)unk ? "is" : "is not");
    report("com_identity", (void *)unk2 == (void *)unk, "IUnknown via IMAPISync is the factory's IUnknown", observed);
    IUnknown_Release(unk2);
    IMAPISync_Release(sync);
    ULONG last = IUnknown_Release(unk);
    snprintf(observed, sizeof observed, "last Release returned %lu", (unsigned long)last);
    report("refcount_back_to_zero", last == 0, "last Release returned 0", observed);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s PROVIDER_LIBRARY\n", argv[0]);
        return 2;
    }
    void *lib = LOAD(argv[1]);
    if (!lib) {
        fprintf(stderr, "cannot load %s\n", argv[1]);
        return 2;
    }
    create_provider = (create_fn)SYMBOL(lib, "MapiSyncSample_Create");
    live_objects = (live_fn)SYMBOL(lib, "MapiSyncSample_LiveObjects");
#ifndef _WIN32
    wait_event = (wait_fn)SYMBOL(lib, "MapiSync_WaitDoneEvent");
    close_event = (close_fn)SYMBOL(lib, "MapiSync_CloseDoneEvent");
    if (!wait_event || !close_event) {
        fprintf(stderr, "the provider does not export its event functions\n");
        return 2;
    }
#endif
    create_sink = (make_fn)SYMBOL(lib, "MapiSyncSample_CreateSink");
    create_folder = (make_fn)SYMBOL(lib, "MapiSyncSample_CreateFolder");
    notifications = (live_fn)SYMBOL(lib, "MapiSyncSample_Notifications");
    set_allocators = (set_allocators_fn)SYMBOL(lib, "MapiSyncSample_SetAllocators");
    if (!create_sink || !create_folder || !notifications || !set_allocators) {
        fprintf(stderr, "the provider does not export its object factories\n");
        return 2;
    }
    if (!create_provider || !live_objects) {
        fprintf(stderr, "the provider does not export MapiSyncSample_Create/LiveObjects\n");
        return 2;
    }

    sync_scenario("sync_ok", MODE_OK, SYNC_DOWNLOAD_CONTENTS | SYNC_ON_DEMAND,
                  "P(Downloading headers,1,3) P(Downloading bodies,2,3) P(NULL,3,3) D(0x00000000)");
    sync_scenario("sync_error", MODE_ERROR, SYNC_UPLOAD_CONTENTS,
                  "P(Connecting,1,3) E(0x80040115,server unreachable) D(0x80040115)");
    sync_scenario("provider_panics", MODE_PANIC, 0,
                  "E(0x8000FFFF,the provider panicked: provider exploded) D(0x8000FFFF)");
    rejected_scenario("null_mapisib", 0);
    rejected_scenario("short_ulsize", 1);
    rejected_scenario("null_done_event_pointer", 2);
    rejected_scenario("callback_without_imapisyncprogresscallback", 3);
    query_scenarios();
    published_handle_scenario(10000);
    sink_scenario();
    folder_scenario();
    message_props_scenario();

    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
