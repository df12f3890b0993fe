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
  if (eckid_open("/nonexistent.toml", &options, &plugin) != ECKID_E_CONFIG) return 5;
  if (plugin != NULL || strlen(eckid_last_error()) == 0) return 6;
  return eckid_close(NULL) == ECKID_OK ? 0 : 7;
}

eckid_status abi_c11_open_enums(const char *config_path, int log_level, int delivery) {
  eckid_open_options options = ECKID_OPEN_OPTIONS_INIT;
  eckid_plugin *plugin = NULL;
  eckid_status s;
  options.log_level = log_level;
  options.delivery = delivery;
  s = eckid_open(config_path, &options, &plugin);
  if (plugin != NULL) eckid_close(plugin); /* keeps the last error of a failed open */
  return s;
}

eckid_status abi_c11_validate_kind(int kind) {
  return eckid_pgn_validate("123456782", kind, NULL);
}

eckid_status abi_c11_hpgn_kind(eckid_plugin *plugin, int kind) {
  char out[ECKID_HPGN_BUFFER_SIZE];
  return eckid_hpgn(plugin, "123456782", kind, out, sizeof out);
}

eckid_status abi_c11_created_kind(eckid_plugin *plugin, const char *school_key, int kind) {
  eckid_pupil_created_event event = ECKID_PUPIL_CREATED_EVENT_INIT;
  eckid_result *result = NULL;
  eckid_status s;
  event.school_key = school_key;
  event.pupil_key = "p-1";
  event.pgn = "123456782";
  event.kind = kind;
  s = eckid_pupil_created(plugin, &event, &result);
  eckid_free(result);
  return s;
}

eckid_status abi_c11_onboard_kind(eckid_plugin *plugin, const char *school_key, int kind,
                                  int *status) {
  eckid_onboard_pupil pupil = ECKID_ONBOARD_PUPIL_INIT;
  const eckid_onboard_pupil *list[1];
  eckid_onboard_receipts *receipts = NULL;
  eckid_status s;
  pupil.pupil_key = "p-1";
  pupil.pgn = "123456782";
  pupil.kind = kind;
  list[0] = &pupil;
  s = eckid_onboard(plugin, school_key, list, 1, &receipts);
  if (s == ECKID_OK) *status = receipts->receipts[0]->status;
  eckid_free(receipts);
  return s;
}

const char *abi_c11_status_name(int status) {
  return eckid_status_name(status);
}
