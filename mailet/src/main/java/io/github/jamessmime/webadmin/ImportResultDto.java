package io.github.jamessmime.webadmin;

import java.util.List;

/** The answer of {@code POST /smime/certificates}: the store files written. */
public final class ImportResultDto {
    private final List<String> imported;

    ImportResultDto(List<String> imported) {
        this.imported = List.copyOf(imported);
    }

    public List<String> getImported() {
        return imported;
    }
}
