package io.github.jamessmime.core.store;

import java.security.PrivateKey;

/** Identities no store would let through, for the tests of what the signer does with a faulty key. */
public final class TestIdentities {
    private TestIdentities() {
    }

    /** {@code identity} with another private key: what a faulty key operation looks like to a verifier. */
    public static SigningIdentity withKey(SigningIdentity identity, PrivateKey key) {
        return new SigningIdentity(identity.source(), SigningIdentity.KeySource.of(key), identity.certificate(),
            identity.intermediates(), identity.addresses(), identity.fingerprint());
    }
}
