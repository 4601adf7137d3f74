# SPDX-License-Identifier: Apache-2.0
"""model_signing's library API with hash blake3, for run_blake3_interop.sh.
  blake3_reference.py sign MODEL BUNDLE PRIVATE_KEY
  blake3_reference.py verify MODEL BUNDLE PUBLIC_KEY   (hashing config guessed from the bundle)
Exit 0 on success, 1 when the reference raises (its message on stderr)."""
import sys

from model_signing import hashing, signing, verifying


def main():
    cmd, model, bundle, key = sys.argv[1:5]
    try:
        if cmd == "sign":
            (signing.Config()
             .use_elliptic_key_signer(private_key=key)
             .set_hashing_config(
                 hashing.Config().use_file_serialization(hashing_algorithm="blake3"))
             .sign(model, bundle))
        else:
            verifying.Config().use_elliptic_key_verifier(public_key=key).verify(model, bundle)
    except Exception as e:  # the reference's own failure, reported as the test's
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
