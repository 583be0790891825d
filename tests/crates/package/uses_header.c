/* A host's view of the packaged C header: compiled by `cargo xtask test` against the
 * header inside the unpacked mapi-sync-sys package, so a package without it fails. */
#define COBJMACROS
#include "mapisync.h"

typedef HRESULT(STDMETHODCALLTYPE *create_fn)(IUnknown **out);

int uses_header(create_fn create) {
    IUnknown *unk = 0;
    IMAPISync *sync = 0;
    if (create(&unk) != 0) return 1;
    HRESULT hr = IUnknown_QueryInterface(unk, &IID_IMAPISync, (void **)&sync);
    if (sync) IMAPISync_Release(sync);
    IUnknown_Release(unk);
    return hr != 0;
}
