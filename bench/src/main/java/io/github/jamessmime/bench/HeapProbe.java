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
package io.github.jamessmime.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.nio.file.Path;
import java.time.Clock;

import javax.mail.internet.MimeMessage;

import com.sun.management.ThreadMXBean;

import io.github.jamessmime.core.signing.DigestAlgorithm;
import io.github.jamessmime.core.signing.SmimeSigner;
import io.github.jamessmime.core.store.SigningIdentity;

/**
 * Runs in a fresh JVM started by {@link BenchMain}: brackets the live heap that signing one large message needs.
 * James already holds the message (its bytes and the MimeMessage parsed over them); on top of that, per signature:
 *
 * <ul>
 * <li><b>allocated</b>: every byte the signing thread allocates from parse to the end of {@code writeTo}
 *   ({@code com.sun.management.ThreadMXBean.getThreadAllocatedBytes}), garbage included. Live data can only
 *   grow by what is allocated, so this is an <em>upper bound</em> of the peak live heap of the signature.</li>
 * <li><b>retained</b>: heap used after a full GC with the signed message still referenced, minus heap used after a
 *   full GC before signing (the signed message itself). A <em>lower bound</em> of the peak.</li>
 * </ul>
 *
 * Also the wall time of each signature; the first one is cold (interpreter and C1, little C2). A small message
 * is signed a few times first, so class loading and one-time static state are not counted. Prints one line
 * {@code ALLOC i allocatedBytes nanos retainedBytes} per repetition.
 */
public final class HeapProbe {
    private HeapProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path fixtures = Path.of(args[0]);
        Fixtures.Key key = Fixtures.Key.valueOf(args[1]);
        Fixtures.Size size = Fixtures.Size.of(args[2]);
        int repetitions = Integer.parseInt(args[3]);

        SigningIdentity identity = Fixtures.identity(fixtures, key);
        SmimeSigner signer = new SmimeSigner(DigestAlgorithm.SHA_256, Clock.systemUTC());
        byte[] small = Fixtures.readMessage(fixtures, Fixtures.Size.KB_10);
        for (int i = 0; i < 20; i++) {
            Fixtures.signAndWrite(signer, small, identity);
        }

        byte[] message = Fixtures.readMessage(fixtures, size);
        MimeMessage held = Fixtures.parse(message);
        held.getAllHeaderLines();
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long thread = Thread.currentThread().getId();
        for (int i = 0; i < repetitions; i++) {
            fullGc();
            long usedBefore = memory.getHeapMemoryUsage().getUsed();
            long allocatedBefore = threads.getThreadAllocatedBytes(thread);
            long start = System.nanoTime();

            MimeMessage signed = signer.sign(Fixtures.parse(message), identity);
            Fixtures.CountingNullStream out = new Fixtures.CountingNullStream();
            signed.writeTo(out);

            long nanos = System.nanoTime() - start;
            long allocated = threads.getThreadAllocatedBytes(thread) - allocatedBefore;
            fullGc();
            long retained = memory.getHeapMemoryUsage().getUsed() - usedBefore;
            Reference.reachabilityFence(signed);
            System.out.println("ALLOC " + i + " " + allocated + " " + nanos + " " + retained);
        }
        Reference.reachabilityFence(message);
        Reference.reachabilityFence(held);
    }

    private static void fullGc() throws InterruptedException {
        for (int i = 0; i < 2; i++) {
            System.gc();
            Thread.sleep(50);
        }
    }
}
