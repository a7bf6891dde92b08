package io.sigcar.accept.wire;

import io.netty.handler.codec.DecoderException;

/** The cause of the request that stands in for a folded head, so the accept stage can name it. */
public final class ObsFold extends DecoderException {
    private static final long serialVersionUID = 1L;

    ObsFold() {
        super("a header line starts with a space or tab (obs-fold)");
    }
}
