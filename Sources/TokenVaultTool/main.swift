import TokenVaultCLI

CLI.main()
