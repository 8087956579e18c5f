package io.github.jamessmime.it;

import java.util.Optional;
import java.util.function.Supplier;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/** Prints the tail of the James log when a test fails: {@code @RegisterExtension static PrintJamesLogOnFailure log = ...}. */
final class PrintJamesLogOnFailure implements TestWatcher {

    private final Supplier<JamesServerProcess> james;
    private final int lines;

    PrintJamesLogOnFailure(Supplier<JamesServerProcess> james, int lines) {
        this.james = james;
        this.lines = lines;
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        JamesServerProcess server = james.get();
        if (server != null) {
            System.err.println("Test " + context.getDisplayName() + " failed; " + server
                + (server.isAlive() ? "" : " (NOT RUNNING)") + "\n" + server.logTail(lines));
        }
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        testFailed(context, cause);
    }

    @Override
    public void testDisabled(ExtensionContext context, Optional<String> reason) {
    }
}
