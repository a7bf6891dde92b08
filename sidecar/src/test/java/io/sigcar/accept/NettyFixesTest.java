package io.sigcar.accept;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The Netty that actually runs (not the one the pom names) has the smuggling fixes. */
class NettyFixesTest {

    @Test
    void runningNettyHasTheSmugglingFixes() {
        NettyFixes.Status status = NettyFixes.check();
        assertTrue(status.ok(), "netty-codec-http " + status.version() + " lacks " + status.missing());
        assertTrue(status.version().startsWith("4."), status.version());
    }

    @Test
    void versionsAreComparedPerReleaseLine() {
        NettyFixes.Fix smuggling = NettyFixes.REQUIRED.getFirst();
        assertTrue(NettyFixes.fixedIn("4.2.5.Final", smuggling));
        assertTrue(NettyFixes.fixedIn("4.2.20.Final", smuggling));
        assertFalse(NettyFixes.fixedIn("4.2.4.Final", smuggling));
        assertTrue(NettyFixes.fixedIn("4.1.125.Final", smuggling));
        assertFalse(NettyFixes.fixedIn("4.1.124.Final", smuggling));
        assertFalse(NettyFixes.fixedIn("4.0.99.Final", smuggling), "older lines never got the fix");
        NettyFixes.Fix chunked = NettyFixes.REQUIRED.get(1);
        assertFalse(NettyFixes.fixedIn("4.2.9.Final", chunked));
        assertTrue(NettyFixes.fixedIn("4.2.10.Final", chunked));
        assertFalse(NettyFixes.fixedIn("4.1.131.Final", chunked));
        assertEquals(2, NettyFixes.REQUIRED.size());
    }
}
