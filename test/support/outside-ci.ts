// Import first, before Ink, in a test that reads Ink's live frames. Ink decides once, when it is
// loaded, whether it runs in CI (is-in-ci: CI or CONTINUOUS_INTEGRATION set) and there draws only
// the last frame at unmount, never the live ones. The dashboard is only ever chosen outside CI
// (see cli/ui/select-reporter.ts), so these tests load Ink the way a person's terminal does,
// whatever the machine that runs the tests says about itself.
process.env.CI = 'false'
process.env.CONTINUOUS_INTEGRATION = 'false'
