/*
 * Copyright 2026 the james-smime authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */
package io.github.jamessmime.core.store;

import java.security.PrivateKey;
import java.util.Optional;

/** Identities no store would let through, for the tests of what the signer does with a faulty key. */
public final class TestIdentities {
    private TestIdentities() {
    }

    /** {@code identity} with another private key: what a faulty key operation looks like to a verifier. */
    public static SigningIdentity withKey(SigningIdentity identity, PrivateKey key) {
        return new SigningIdentity(identity.source(), SigningIdentity.KeySource.of(key), Optional.empty(), identity.certificate(),
            identity.intermediates(), identity.addresses(), identity.fingerprint());
    }
}
