/* Entry point of the C11 translation unit, called from the C++ tests. */
#ifndef ABI_C11_H
#define ABI_C11_H
#include <eckid/eckid.h>
#ifdef __cplusplus
extern "C" {
#endif
/* 0 when every check passed, else the number of the first failing check. */
int abi_c11_smoke(void);
/* Calls that pass enum values as a C host can: any int (item 7 of issue 13). */
eckid_status abi_c11_open_enums(const char *config_path, int log_level, int delivery);
eckid_status abi_c11_validate_kind(int kind);
eckid_status abi_c11_hpgn_kind(eckid_plugin *plugin, int kind);
eckid_status abi_c11_created_kind(eckid_plugin *plugin, const char *school_key, int kind);
/* *status receives the single receipt's status when the call succeeded. */
eckid_status abi_c11_onboard_kind(eckid_plugin *plugin, const char *school_key, int kind,
                                  int *status);
/* eckid_status_name() of any int, as a C host may pass it. */
const char *abi_c11_status_name(int status);
#ifdef __cplusplus
}
#endif
#endif
