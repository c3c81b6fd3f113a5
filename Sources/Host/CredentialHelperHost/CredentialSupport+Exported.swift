// The support types (`SecureFile`, `TrustedPath`, `HomeDirectory`, `ProcessIO`) live in the
// `CredentialSupport` module, below the host runtime and the ready-made helper; re-exported so that
// code that found them through `import CredentialHelperHost` keeps compiling.
@_exported import CredentialSupport
