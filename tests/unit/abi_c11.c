/* Compiled as C11 with -pedantic -Werror: the public header must be plain C. */
#include <eckid/eckid.h>
#include <string.h>

#include "abi_c11.h"

int abi_c11_smoke(void) {
  eckid_open_options options = ECKID_OPEN_OPTIONS_INIT;
  eckid_pgn_type type = ECKID_PGN_TYPE_STAFF;
  eckid_plugin *plugin = NULL;
  if (eckid_abi_version() != ECKID_ABI_VERSION) return 1;
  if (eckid_open_options_init(&options, ECKID_OPEN_OPTIONS_VERSION) != ECKID_OK) return 2;
  if (eckid_pgn_validate("123456782", ECKID_PGN_PUPIL, &type) != ECKID_OK) return 3;
  if (type != ECKID_PGN_TYPE_BSN) return 4;
  if (eckid_open(&plugin, "/nonexistent.toml", &options) != ECKID_E_CONFIG) return 5;
  if (plugin != NULL || strlen(eckid_last_error()) == 0) return 6;
  return eckid_close(NULL) == ECKID_OK ? 0 : 7;
}
