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
package io.github.jamessmime.webadmin;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import io.github.jamessmime.core.store.CertificateInstallation;

/**
 * A CA's certificate installed for a pending request: its address, the store file (or token entry) it went into, its
 * SHA-256, validity, and whether it is staged (not valid yet: the store signs with it from its notBefore on).
 */
@JsonPropertyOrder({"address", "file", "sha256", "notBefore", "notAfter", "staged"})
public final class InstalledCertificateDto {
    private final CertificateInstallation.Installed installed;

    InstalledCertificateDto(CertificateInstallation.Installed installed) {
        this.installed = installed;
    }

    public String getAddress() {
        return installed.address();
    }

    public String getFile() {
        return installed.source();
    }

    public String getSha256() {
        return installed.identity().fingerprint();
    }

    public String getNotBefore() {
        return installed.identity().notBefore().toString();
    }

    public String getNotAfter() {
        return installed.identity().notAfter().toString();
    }

    public boolean isStaged() {
        return installed.staged();
    }
}
