/*
 * Links against the provider DLL's import library instead of GetProcAddress, so the
 * linker must resolve the exports with their calling convention: on 32-bit Windows the
 * `extern "system"` factory is stdcall, decorated `_MapiSyncSample_Create@8`. Built for
 * i686, where 32-bit Wine cannot run it; building and linking is the check.
 */
#define COBJMACROS
#include "mapisync.h"

__declspec(dllimport) HRESULT STDMETHODCALLTYPE MapiSyncSample_Create(ULONG mode, IUnknown **out);
__declspec(dllimport) ULONG STDMETHODCALLTYPE MapiSyncSample_LiveObjects(void);

int main(void) {
    IUnknown *unk = NULL;
    IMAPISync *sync = NULL;
    if (MapiSyncSample_Create(0, &unk) != S_OK) return 1;
    if (IUnknown_QueryInterface(unk, &IID_IMAPISync, (void **)&sync) != S_OK) return 2;
    IMAPISync_Release(sync);
    IUnknown_Release(unk);
    return MapiSyncSample_LiveObjects() == 0 ? 0 : 3;
}
