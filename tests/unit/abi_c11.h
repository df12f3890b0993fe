/* Entry point of the C11 translation unit, called from the C++ tests. */
#ifndef ABI_C11_H
#define ABI_C11_H
#ifdef __cplusplus
extern "C" {
#endif
/* 0 when every check passed, else the number of the first failing check. */
int abi_c11_smoke(void);
#ifdef __cplusplus
}
#endif
#endif
