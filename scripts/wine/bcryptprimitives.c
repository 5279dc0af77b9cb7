/*
 * bcryptprimitives.dll for Wine 8, which lacks ProcessPrng. Go >= 1.22
 * Windows programs import ProcessPrng and abort at start without it.
 * It fills the buffer from RtlGenRandom (advapi32's SystemFunction036),
 * which Wine implements. Built and installed by scripts/wine-setup.sh.
 */
#include <windows.h>
#include <ntsecapi.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (!RtlGenRandom(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved)
{
	(void)inst; (void)reason; (void)reserved;
	return TRUE;
}
