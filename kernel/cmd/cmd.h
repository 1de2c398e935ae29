/*
 * cmd/cmd.h - the command registry and the command language.
 *
 * Any plugin registers commands (name, parameter schema, help, handler).
 * A command line such as
 *
 *     send address:0xFF.. amount:1 ; balance tokenid:0x00
 *
 * is split and parsed exactly as the reference node does (spec/rpc.md §4):
 * `;` separates commands (run in order, stopping after the first failure),
 * the first word is the lower-cased command name, each further token is
 * key:value split at the first colon, double quotes group words, values in
 * {..} or [..] are JSON (except for MN_CMD_RAW_BRACKETS commands, where
 * [..] stays text).  Parameters are then checked against the command's
 * schema (unknown, blank, missing, wrongly typed) before its handler runs.
 * Results come back in the reference's JSON envelope: an object for one
 * command, an array for several.
 *
 * Handlers may reply later (after mining, after a peer answered): the
 * registry keeps the line's state until the reply arrives.  Everything here
 * runs on the loop thread.
 */
#ifndef MN_CMD_H
#define MN_CMD_H

#include <minima/host.h>

typedef struct mn__cmds mn__cmds_t;

typedef void (*mn__cmds_enter_fn)(const void *owner, const char *what);
typedef void (*mn__cmds_leave_fn)(void);

/* num and crypto check NUMBER parameters and decode Mx addresses. */
mn__cmds_t *mn__cmds_new(const mn_num_api_t *num,
                         const mn_crypto_api_t *crypto);
/* Calls that never replied are failed (their done callbacks run) first. */
void mn__cmds_free(mn__cmds_t *cmds);
void mn__cmds_set_tracker(mn__cmds_t *cmds, mn__cmds_enter_fn enter,
                          mn__cmds_leave_fn leave);

/* def and data must stay valid until the owner is dropped.  MN_EEXIST with
 * *why naming the current owner if the name is taken, MN_EINVAL for a
 * malformed definition. */
int mn__cmds_register(mn__cmds_t *cmds, const void *owner,
                      const char *owner_name, const mn_command_def_t *def,
                      void *data, char **why);
/* Withdraws every command of owner.  Calls in flight keep running; their
 * replies are still delivered. */
void mn__cmds_drop_owner(mn__cmds_t *cmds, const void *owner);

/* Answers every call still waiting for its handler with an error (the
 * node is stopping); a handler's late reply is then ignored. */
void mn__cmds_fail_live(mn__cmds_t *cmds, const char *reason);

int mn__cmds_exec(mn__cmds_t *cmds, const char *line, uint32_t flags,
                  mn_exec_done_fn done, void *data);

void mn__call_reply(mn_call_t *call, json_t *response);
void mn__call_verror(mn_call_t *call, const char *fmt, va_list ap);
void mn__call_error(mn_call_t *call, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void mn__call_set(mn_call_t *call, const char *key, json_t *value);
const char *mn__call_param(mn_call_t *call, const char *name);

/* Introspection (help, docs/commands.md, completion), sorted by name. */
size_t mn__cmds_count(const mn__cmds_t *cmds);
const mn_command_def_t *mn__cmds_at(const mn__cmds_t *cmds, size_t i,
                                    const char **owner_name);
const mn_command_def_t *mn__cmds_find(const mn__cmds_t *cmds,
                                      const char *name);

/* The tokenizer on its own (tests, fuzzing): splits one command (no `;`)
 * into words as the reference does.  Returns the number of words and
 * fills *words with malloc()ed strings (free each and the array). */
size_t mn__cmdline_words(const char *command, char ***words);

#endif
