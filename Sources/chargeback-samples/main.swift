// `@main` cannot be used in a file named main.swift, so the entry point is spelt out.
ChargebackSamples.main()
