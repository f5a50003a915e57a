internal import TokenVaultStore

extension VaultError {
    init(store error: StoreError) {
        let code = error.code
        if code.isBusy {
            self.init(.busy, "the vault is busy: another process held its lock past the busy timeout", hint: "retry later")
        } else if code.isCorruption {
            self.init(.integrity, "the vault file is corrupted or is not a TokenVault vault")
        } else if code == .error {
            // TokenVault's SQL is fixed: an SQL error means the schema is not the one the
            // migrations made (a damaged schema page, or an edited file).
            self.init(.integrity, "the vault's schema is damaged or was altered (\(error.message))")
        } else if code ~= .full {
            self.init(.failed, "the disk is full")
        } else if code ~= .readOnly || code ~= .permission || code ~= .cantOpen {
            self.init(.failed, "cannot write the vault file (read-only or permission denied)")
        } else if code == .syncError {
            // What was written before the failed sync may be in the file all the same (and a
            // later reader then finds the commit): whole or not at all, never half.
            self.init(
                .failed, "I/O error while syncing the vault file: the operation may have been applied all the same",
                hint: "check with `tokenvault show` or `tokenvault audit` before you repeat it"
            )
        } else if code ~= .ioError {
            self.init(.failed, "I/O error on the vault file")
        } else {
            self.init(.failed, "database error: \(error.message)")
        }
    }
}
