/* sshsig.h — SSH signatures of short texts through ssh-keygen -Y (the
 * format git uses for SSH-signed commits): sign with a key file, verify
 * against an OpenSSH allowed-signers file. ssh-keygen is run from an
 * argv, never a shell; a missing ssh-keygen is an error naming it. */
#ifndef RP_SSHSIG_H
#define RP_SSHSIG_H

#include <stdbool.h>
#include <stddef.h>

/* Signs `data` in namespace `ns` with the private key at `key` (or, for a
 * public key, its agent-held private half). *sig: the armored signature,
 * malloc'd. False with *err (malloc'd). No time limit: ssh-keygen may ask
 * for the key's passphrase on the terminal. */
bool sshsig_sign(const char *key, const char *ns, const char *data, size_t len, char **sig, char **err);

typedef enum SshsigVerdict {
  SSHSIG_GOOD,     /* signed so */
  SSHSIG_BAD,      /* ssh-keygen says it is not */
  SSHSIG_UNCHECKED /* ssh-keygen could not be asked (missing, ...) */
} SshsigVerdict;

/* Whether `sig` is a signature of `data` in namespace `ns` by a key that
 * the allowed-signers file `signers` lists for `principal`. Unless GOOD,
 * *why (malloc'd): ssh-keygen's reason, or why it could not be asked. */
SshsigVerdict sshsig_verify(const char *signers, const char *principal, const char *ns, const char *data,
                            size_t len, const char *sig, char **why);

#endif
