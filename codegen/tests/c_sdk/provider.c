/* A provider's entry points written against mapi-sync.h alone, as Windows code writes
   them: compiled as C11 and as C++17 with -Wall -Wextra -pedantic -Werror for x86_64
   Linux and for x86_64 and i686 Windows (mingw-w64), and run on Linux by
   codegen/tests/c_sdk.rs. Each check is a compile-time assertion or a step of
   `c_sdk_run`, whose answer is the number of the first step that failed (0: none). */
#define INITGUID
#define USES_IID_IMsgStore
#define USES_IID_IMSProvider
#include "mapi-sync.h"

#ifdef __cplusplus
#define C_SDK_ASSERT(e, m) static_assert(e, m)
#define C_SDK_EXTERN extern "C"
#else
#define C_SDK_ASSERT(e, m) _Static_assert(e, m)
#define C_SDK_EXTERN
#endif
/* A Windows DLL exports what is marked (mingw-w64's linker exports every global symbol,
   the GUIDs among them, when nothing is); on Linux the GUIDs are hidden. */
#ifdef _WIN32
#define C_SDK_EXPORT __declspec(dllexport)
#else
#define C_SDK_EXPORT
#endif

/* Widths: ULONG_PTR is a pointer's, the rest Windows'. */
C_SDK_ASSERT(sizeof(ULONG_PTR) == sizeof(void *), "ULONG_PTR is pointer-sized");
C_SDK_ASSERT(sizeof(ULONG) == 4 && sizeof(LONG) == 4 && sizeof(WCHAR) == 2, "Windows widths");
C_SDK_ASSERT(sizeof(LONGLONG) == 8 && sizeof(GUID) == 16, "Windows widths");

/* The Sized and CbNew macros give the records' layouts. */
C_SDK_ASSERT(CbNewSPropTagArray(3) == 16, "CbNewSPropTagArray");
C_SDK_ASSERT(CbNewENTRYID(16) == 20, "CbNewENTRYID");
C_SDK_ASSERT(CbNewSRowSet(2) == offsetof(SRowSet, aRow) + 2 * sizeof(SRow), "CbNewSRowSet");
C_SDK_ASSERT(CbNewADRLIST(2) == offsetof(ADRLIST, aEntries) + 2 * sizeof(ADRENTRY), "CbNewADRLIST");
C_SDK_ASSERT(CbNewSSortOrderSet(1) == 12 + sizeof(SSortOrder), "CbNewSSortOrderSet");
C_SDK_ASSERT(CbNewSPropProblemArray(2) == offsetof(SPropProblemArray, aProblem) + 2 * sizeof(SPropProblem),
             "CbNewSPropProblemArray");
C_SDK_ASSERT(CbNewFLATENTRY(8) == 12 && CbNewFLATENTRYLIST(8) == 16, "CbNewFLATENTRY(LIST)");
C_SDK_ASSERT(CbNewMTSID(8) == 12 && CbNewFLATMTSIDLIST(8) == 16, "CbNewMTSID, CbNewFLATMTSIDLIST");
C_SDK_ASSERT(CbNewNOTIFKEY(8) == 12, "CbNewNOTIFKEY");
static SizedSPropTagArray(2, columns) = { 2, { PR_DISPLAY_NAME_W, PR_ENTRYID } };
static SizedENTRYID(16, entry_id);
static SizedSRowSet(2, rows);
static SizedADRLIST(1, recipients);
static SizedSSortOrderSet(1, sort) = { 1, 0, 0, { { PR_SUBJECT_W, TABLE_SORT_ASCEND } } };
static SizedSPropProblemArray(1, problems);
static SizedNOTIFKEY(4, key);
C_SDK_ASSERT(sizeof(columns) == CbNewSPropTagArray(2), "SizedSPropTagArray");
C_SDK_ASSERT(sizeof(entry_id) == CbNewENTRYID(16), "SizedENTRYID");
C_SDK_ASSERT(sizeof(rows) == CbNewSRowSet(2), "SizedSRowSet");
C_SDK_ASSERT(sizeof(recipients) == CbNewADRLIST(1), "SizedADRLIST");
C_SDK_ASSERT(sizeof(sort) == CbNewSSortOrderSet(1), "SizedSSortOrderSet");
C_SDK_ASSERT(sizeof(problems) == CbNewSPropProblemArray(1), "SizedSPropProblemArray");
C_SDK_ASSERT(sizeof(key) == CbNewNOTIFKEY(4), "SizedNOTIFKEY");

/* Property tags, codes and flags. */
C_SDK_ASSERT(PROP_TYPE(PR_DISPLAY_NAME_W) == PT_UNICODE && PROP_ID(PR_DISPLAY_NAME_W) == 0x3001,
             "PROP_TYPE, PROP_ID");
C_SDK_ASSERT(PROP_TAG(PT_UNICODE, 0x3001) == PR_DISPLAY_NAME_W, "PROP_TAG");
C_SDK_ASSERT(CHANGE_PROP_TYPE(PR_DISPLAY_NAME_W, PT_STRING8) == PR_DISPLAY_NAME_A, "CHANGE_PROP_TYPE");
C_SDK_ASSERT(MVI_PROP(PROP_TAG(PT_MV_UNICODE, 0x6600)) == 0x6600301F, "MVI_PROP");
C_SDK_ASSERT(MAKE_MAPI_E(0x102) == MAPI_E_NO_SUPPORT, "MAKE_MAPI_E");
C_SDK_ASSERT(HR_FAILED(MAPI_E_NO_SUPPORT) && HR_SUCCEEDED(hrSuccess) && HR_SUCCEEDED(S_FALSE),
             "HR_FAILED, HR_SUCCEEDED");
C_SDK_ASSERT(SHOW_SOFT_DELETES == 0x2 && MAPI_FORCE_ACCESS == 0x80000, "EdkMdb.h's flags");
#ifndef __cplusplus
/* MAPIDefS.h's hrSuccess is a plain 0; HRESULT is `int` on Linux and `long` on Windows. */
C_SDK_ASSERT(_Generic(hrSuccess, int: 1, long: 1, default: 0), "hrSuccess is signed");
/* The function types are types of functions, their LP names pointers to them. */
C_SDK_ASSERT(_Generic((LPALLOCATEBUFFER)0, ALLOCATEBUFFER *: 1, default: 0), "LPALLOCATEBUFFER");
C_SDK_ASSERT(_Generic((LPFREEBUFFER)0, FREEBUFFER *: 1, default: 0), "LPFREEBUFFER");
#endif

/* Windows' member names of the unions. */
static LONGLONG unions(void)
{
    LARGE_INTEGER li;
    ULARGE_INTEGER uli;
    CY cy;
    li.QuadPart = 0;
    li.LowPart = 1;
    li.HighPart = 2;
    li.u.LowPart += 1;
    uli.QuadPart = 0;
    uli.LowPart = 3;
    uli.u.HighPart = 0;
    cy.int64 = 0;
    cy.Lo = 5;
    cy.Hi = 0;
    return li.QuadPart + (LONGLONG)uli.QuadPart + cy.int64;
}

/* The allocators MAPI hands a provider, declared through their function types. */
static unsigned char heap[256];
static ULONG used;
static ALLOCATEBUFFER allocate_buffer;
static ALLOCATEMORE allocate_more;
static FREEBUFFER free_buffer;

static SCODE STDMETHODCALLTYPE allocate_buffer(ULONG cbSize, LPVOID *lppBuffer)
{
    if (used + cbSize > sizeof heap)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    *lppBuffer = heap + used;
    used += (cbSize + 7) & ~7U;
    return S_OK;
}

static SCODE STDMETHODCALLTYPE allocate_more(ULONG cbSize, LPVOID lpObject, LPVOID *lppBuffer)
{
    (void)lpObject;
    return allocate_buffer(cbSize, lppBuffer);
}

static ULONG STDMETHODCALLTYPE free_buffer(LPVOID lpBuffer)
{
    (void)lpBuffer;
    return 0;
}

/* An IMalloc, which ServiceEntry and MSProviderInit receive. */
static ULONG malloc_calls;
#ifdef __cplusplus
struct Malloc : public IMalloc {
    STDMETHODIMP QueryInterface(REFIID riid, void **ppv)
    {
        if (IsEqualIID(riid, IID_IUnknown) || IsEqualIID(riid, IID_IMalloc)) {
            *ppv = this;
            return S_OK;
        }
        *ppv = NULL;
        return E_NOINTERFACE;
    }
    STDMETHODIMP_(ULONG) AddRef() { return 2; }
    STDMETHODIMP_(ULONG) Release() { return 1; }
    STDMETHODIMP_(void *) Alloc(SIZE_T cb) { ++malloc_calls; return cb <= 16 ? heap + 128 : NULL; }
    STDMETHODIMP_(void *) Realloc(void *pv, SIZE_T cb) { (void)pv; (void)cb; return NULL; }
    STDMETHODIMP_(void) Free(void *pv) { (void)pv; ++malloc_calls; }
    STDMETHODIMP_(SIZE_T) GetSize(void *pv) { (void)pv; return 16; }
    STDMETHODIMP_(int) DidAlloc(void *pv) { return pv == heap + 128; }
    STDMETHODIMP_(void) HeapMinimize() {}
};
static Malloc the_malloc;
static LPMALLOC make_malloc(void) { return &the_malloc; }
static void *call_alloc(LPMALLOC m, SIZE_T cb) { return m->Alloc(cb); }
static void call_free(LPMALLOC m, void *pv) { m->Free(pv); }
#else
static STDMETHODIMP malloc_query(IMalloc *This, REFIID riid, void **ppv)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IMalloc)) {
        *ppv = This;
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}
static STDMETHODIMP_(ULONG) malloc_add_ref(IMalloc *This) { (void)This; return 2; }
static STDMETHODIMP_(ULONG) malloc_release(IMalloc *This) { (void)This; return 1; }
static STDMETHODIMP_(void *) malloc_alloc(IMalloc *This, SIZE_T cb)
{
    (void)This;
    ++malloc_calls;
    return cb <= 16 ? heap + 128 : NULL;
}
static STDMETHODIMP_(void *) malloc_realloc(IMalloc *This, void *pv, SIZE_T cb)
{
    (void)This; (void)pv; (void)cb;
    return NULL;
}
static STDMETHODIMP_(void) malloc_free(IMalloc *This, void *pv) { (void)This; (void)pv; ++malloc_calls; }
static STDMETHODIMP_(SIZE_T) malloc_size(IMalloc *This, void *pv) { (void)This; (void)pv; return 16; }
static STDMETHODIMP_(int) malloc_did(IMalloc *This, void *pv) { (void)This; return pv == heap + 128; }
static STDMETHODIMP_(void) malloc_minimize(IMalloc *This) { (void)This; }
static IMallocVtbl malloc_vtbl = {
    malloc_query, malloc_add_ref, malloc_release, malloc_alloc,
    malloc_realloc, malloc_free, malloc_size, malloc_did, malloc_minimize,
};
static IMalloc the_malloc = { &malloc_vtbl };
static LPMALLOC make_malloc(void) { return &the_malloc; }
static void *call_alloc(LPMALLOC m, SIZE_T cb) { return m->lpVtbl->Alloc(m, cb); }
static void call_free(LPMALLOC m, void *pv) { m->lpVtbl->Free(m, pv); }
#endif

/* The entry points, declared through Microsoft's function types: a definition that
   differed from the type (a ULONG for ULONG_PTR, another convention) would not compile.
   mingw-w64's MSGSERVICEENTRY has `ULONG ulUIParam` (the header does not correct it on
   Windows yet), so on Windows the definition takes its type's spelling. */
#ifdef _WIN32
typedef ULONG C_SDK_UIPARAM;
#else
typedef ULONG_PTR C_SDK_UIPARAM;
#endif
C_SDK_EXTERN C_SDK_EXPORT MSGSERVICEENTRY ServiceEntry;
C_SDK_EXTERN C_SDK_EXPORT MSPROVIDERINIT MSProviderInit;

static ULONG service_calls;
C_SDK_EXTERN HRESULT STDAPICALLTYPE ServiceEntry(HINSTANCE hInstance, LPMALLOC lpMalloc,
    LPMAPISUP lpMAPISup, C_SDK_UIPARAM ulUIParam, ULONG ulFlags, ULONG ulContext, ULONG cValues,
    LPSPropValue lpProps, LPPROVIDERADMIN lpProviderAdmin, LPMAPIERROR *lppMapiError)
{
    void *p;
    (void)hInstance; (void)lpMAPISup; (void)ulUIParam; (void)ulFlags; (void)lpProps;
    (void)lpProviderAdmin;
    if (lppMapiError)
        *lppMapiError = NULL;
    if (!lpMalloc || ulContext != MSG_SERVICE_CONFIGURE || cValues != 0)
        return MAPI_E_INVALID_PARAMETER;
    p = call_alloc(lpMalloc, 16);
    if (!p)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    call_free(lpMalloc, p);
    ++service_calls;
    return hrSuccess;
}

C_SDK_EXTERN HRESULT STDMAPIINITCALLTYPE MSProviderInit(HINSTANCE hInstance, LPMALLOC lpMalloc,
    LPALLOCATEBUFFER lpAllocateBuffer, LPALLOCATEMORE lpAllocateMore, LPFREEBUFFER lpFreeBuffer,
    ULONG ulFlags, ULONG ulMAPIVer, ULONG *lpulProviderVer, LPMSPROVIDER *lppMSProvider)
{
    LPSPropValue v = NULL;
    LPWSTR more = NULL;
    (void)hInstance; (void)lpMalloc; (void)ulFlags;
    if (!lpAllocateBuffer || !lpAllocateMore || !lpFreeBuffer || !lppMSProvider)
        return MAPI_E_INVALID_PARAMETER;
    *lppMSProvider = NULL;
    *lpulProviderVer = CURRENT_SPI_VERSION;
    if (ulMAPIVer < CURRENT_SPI_VERSION)
        return MAPI_E_VERSION;
    if (HR_FAILED(lpAllocateBuffer(sizeof *v, (LPVOID *)&v))
        || HR_FAILED(lpAllocateMore(4 * sizeof(WCHAR), v, (LPVOID *)&more)))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    lpFreeBuffer(v);
    /* A store with no IMSProvider yet: the call's contract, not the store, is tested. */
    return MAPI_E_NO_SUPPORT;
}

/* The checks Linux runs: 0 when all pass, else the failing step's number. */
C_SDK_EXTERN C_SDK_EXPORT int c_sdk_run(void)
{
    LPMSPROVIDER provider = NULL;
    ULONG version = 0;
    MSGSERVICEENTRY *entry = ServiceEntry;
    LPMSGSERVICEENTRY lp_entry = ServiceEntry;
    MSPROVIDERINIT *init = MSProviderInit;
    void *unknown = NULL;
    if (unions() != 0x0000000200000002LL + 3 + 5)
        return 1;
    if (entry(NULL, make_malloc(), NULL, (C_SDK_UIPARAM)0, 0, MSG_SERVICE_CONFIGURE, 0, NULL,
              NULL, NULL) != hrSuccess
        || lp_entry != entry || service_calls != 1 || malloc_calls != 2)
        return 2;
    if (init(NULL, make_malloc(), allocate_buffer, allocate_more, free_buffer, 0,
             CURRENT_SPI_VERSION, &version, &provider) != MAPI_E_NO_SUPPORT
        || version != CURRENT_SPI_VERSION || provider != NULL
        || used != ((sizeof(SPropValue) + 7) & ~(size_t)7) + 8)
        return 3;
#ifdef __cplusplus
    if (the_malloc.QueryInterface(IID_IMalloc, &unknown) != S_OK || unknown != &the_malloc
        || !IsEqualGUID(IID_IMsgStore, IID_IMsgStore) || IsEqualGUID(IID_IMsgStore, IID_IMSProvider)
        || !(IID_IMsgStore == IID_IMsgStore) || !(IID_IMsgStore != IID_IMSProvider))
        return 4;
#else
    if (the_malloc.lpVtbl->QueryInterface(&the_malloc, &IID_IMalloc, &unknown) != S_OK
        || unknown != &the_malloc || !IsEqualGUID(&IID_IMsgStore, &IID_IMsgStore)
        || IsEqualGUID(&IID_IMsgStore, &IID_IMSProvider))
        return 4;
#endif
    if (columns.cValues != 2 || ((LPSPropTagArray)&columns)->aulPropTag[1] != PR_ENTRYID
        || sort.aSort[0].ulOrder != TABLE_SORT_ASCEND)
        return 5;
    return 0;
}
