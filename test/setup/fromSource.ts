/**
 * Loaded by mocha before any test (.mocharc.json): CLI tests spawn bin/capsim.js, and with this
 * set it runs src/ through tsx, as the tests themselves do, rather than a dist/ that may be stale.
 * The pack-install test (test/e2e/) removes it: it runs the compiled, installed package.
 */
process.env.CAPSIM_FROM_SOURCE = "1";
