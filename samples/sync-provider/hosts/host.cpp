// A C++ host: the same Outlook role as host.c, but through the header's C++ class
// declarations (virtual calls), which proves that the provider's vtables match what a
// C++ compiler lays out. Usage: host_cpp PROVIDER_LIBRARY.
#define INITGUID
#include "mapisync.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#ifdef _WIN32
static void *load(const char *path) { return (void *)LoadLibraryA(path); }
static void *symbol(void *lib, const char *name) { return (void *)GetProcAddress((HMODULE)lib, name); }
#else
#include <dlfcn.h>
static void *load(const char *path) { return dlopen(path, RTLD_NOW | RTLD_LOCAL); }
static void *symbol(void *lib, const char *name) { return dlsym(lib, name); }
#endif

typedef HRESULT(STDMETHODCALLTYPE *create_fn)(ULONG mode, IUnknown **out);
typedef ULONG(STDMETHODCALLTYPE *live_fn)();
#ifndef _WIN32
/* The header's types for the runtime's done-event exports (Linux). */
typedef LPMAPISYNC_WAITDONEEVENT wait_fn;
typedef LPMAPISYNC_CLOSEDONEEVENT close_fn;
#endif
static create_fn create_provider;
static live_fn live_objects;
static wait_fn wait_event;
static close_fn close_event;

// Records every call Outlook's callback would get.
class Recorder : public IMAPISyncProgressCallback {
public:
    std::atomic<ULONG> refs{1};
    std::atomic<int> done_calls{0};
    std::string log;
    std::atomic<HANDLE> done_handle{nullptr};

    HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void **ppv) override {
        if (!ppv) return E_POINTER;
        *ppv = nullptr;
        if (std::memcmp(&riid, &IID_IUnknown, sizeof(GUID)) == 0 ||
            std::memcmp(&riid, &IID_IMAPISyncProgressCallback, sizeof(GUID)) == 0) {
            AddRef();
            *ppv = static_cast<IMAPISyncProgressCallback *>(this);
            return S_OK;
        }
        return E_NOINTERFACE;
    }
    ULONG STDMETHODCALLTYPE AddRef() override { return ++refs; }
    ULONG STDMETHODCALLTYPE Release() override { return --refs; }
    HRESULT STDMETHODCALLTYPE Progress(const WCHAR *text, ULONG i, ULONG max) override {
        add("P(" + narrow(text) + "," + std::to_string(i) + "," + std::to_string(max) + ")");
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE Error(HRESULT hr, const WCHAR *text) override {
        add("E(" + hex(hr) + "," + narrow(text) + ")");
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE Done(HANDLE event, HRESULT hr) override {
        add("D(" + hex(hr) + ")");
        done_handle = event;
        done_calls++;
        return S_OK;
    }

    static std::string hex(HRESULT hr) {
        char b[16];
        std::snprintf(b, sizeof b, "0x%08lX", (unsigned long)(ULONG)hr);
        return b;
    }

private:
    void add(const std::string &s) { log += (log.empty() ? "" : " ") + s; }
    static std::string narrow(const WCHAR *w) {
        if (!w) return "NULL";
        std::string s;
        for (; *w; ++w) s += (*w < 128) ? (char)*w : '?';
        return s;
    }
};

static int passed, failed;

static void report(const char *name, const std::string &want, const std::string &got) {
    if (want == got) {
        std::printf("ok %s\n", name);
        passed++;
    } else {
        std::printf("FAIL %s: expected [%s] observed [%s]\n", name, want.c_str(), got.c_str());
        failed++;
    }
    std::fflush(stdout);
}

static ULONG refcount(IUnknown *unk) {
    unk->AddRef();
    return unk->Release();
}

static void sync_scenario(const char *name, ULONG mode, const std::string &expected) {
    IUnknown *unk = nullptr;
    IMAPISync *sync = nullptr;
    ULONG live_before = live_objects();
    if (create_provider(mode, &unk) != S_OK ||
        unk->QueryInterface(IID_IMAPISync, reinterpret_cast<void **>(&sync)) != S_OK) {
        report(name, "provider with IMAPISync", "none");
        return;
    }
    ULONG refs_before = refcount(unk);
    Recorder r;
    HANDLE event = nullptr;
    MAPISIB sib;
    std::memset(&sib, 0, sizeof sib);
    sib.ulSize = sizeof sib;
    sib.ulFlags = SYNC_DOWNLOAD_CONTENTS;
    sib.punkCallBack = &r;
    sib.phSyncDoneEvent = &event;
    HRESULT hr = sync->SynchronizeInBackground(&sib);
    bool signalled = hr == S_OK && event && wait_event(event, 10000) == 0;
    for (int i = 0; i < 1000 && (r.done_calls == 0 || r.refs != 1 || refcount(unk) != refs_before); i++)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::string got = r.log + " | signalled=" + std::to_string(signalled) + " done=" +
                      std::to_string(r.done_calls.load()) + " done_event=" + (r.done_handle == event ? "ours" : "other") + " callback_refs=" + std::to_string(r.refs.load()) +
                      " provider_refs=" + std::to_string(refcount(unk)) + "/" + std::to_string(refs_before);
    std::string want = expected + " | signalled=1 done=1 done_event=ours callback_refs=1 provider_refs=" +
                       std::to_string(refs_before) + "/" + std::to_string(refs_before);
    if (event) close_event(event);
    sync->Release();
    ULONG last = unk->Release();
    if (last != 0 || live_objects() != live_before) got += " | not dropped";
    report(name, want, got);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s PROVIDER_LIBRARY\n", argv[0]);
        return 2;
    }
    void *lib = load(argv[1]);
    if (!lib) {
        std::fprintf(stderr, "cannot load %s\n", argv[1]);
        return 2;
    }
    create_provider = reinterpret_cast<create_fn>(symbol(lib, "MapiSyncSample_Create"));
    live_objects = reinterpret_cast<live_fn>(symbol(lib, "MapiSyncSample_LiveObjects"));
    wait_event = reinterpret_cast<wait_fn>(symbol(lib, "MapiSync_WaitDoneEvent"));
    close_event = reinterpret_cast<close_fn>(symbol(lib, "MapiSync_CloseDoneEvent"));
    if (!create_provider || !live_objects || !wait_event || !close_event) {
        std::fprintf(stderr, "the provider lacks an export\n");
        return 2;
    }

    sync_scenario("cpp_sync_ok", 0,
                  "P(Downloading headers,1,3) P(Downloading bodies,2,3) P(NULL,3,3) D(0x00000000)");
    sync_scenario("cpp_sync_error", 1, "P(Connecting,1,3) E(0x80040115,server unreachable) D(0x80040115)");
    sync_scenario("cpp_provider_panics", 2,
                  "E(0x8000FFFF,the provider panicked: provider exploded) D(0x8000FFFF)");

    // Identity and unknown interfaces through virtual calls.
    IUnknown *unk = nullptr, *again = nullptr;
    IMAPISync *sync = nullptr;
    create_provider(0, &unk);
    unk->QueryInterface(IID_IMAPISync, reinterpret_cast<void **>(&sync));
    sync->QueryInterface(IID_IUnknown, reinterpret_cast<void **>(&again));
    report("cpp_com_identity", "same", again == unk ? "same" : "different");
    void *out = &out;
    static const GUID other = {0x12345678, 0x1234, 0x5678, {1, 2, 3, 4, 5, 6, 7, 8}};
    HRESULT hr = sync->QueryInterface(other, &out);
    report("cpp_unknown_iid", "0x80004002 null", Recorder::hex(hr) + (out ? " set" : " null"));
    again->Release();
    sync->Release();
    report("cpp_last_release", "0", std::to_string(unk->Release()));

    std::printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
