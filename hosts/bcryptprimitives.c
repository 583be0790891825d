/*
 * A stand-in bcryptprimitives.dll for Wine 8, which lacks it: Rust's standard library
 * for Windows imports ProcessPrng from it, so a Rust DLL fails to load (error 126)
 * without one. This exports ProcessPrng on top of advapi32's SystemFunction036
 * (RtlGenRandom). Only the Wine test uses it; real Windows has the real DLL.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
