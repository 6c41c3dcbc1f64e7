import ArgumentParser
import ChargebackFetch
import ChargebackKit
import Foundation

/// The `chargeback` command: subcommands only.
struct Chargeback: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chargeback",
        abstract: "Compute-unit chargeback, audit exports and summaries from Informatica IDMC code-task job statuses.",
        version: chargebackVersion,
        subcommands: [ReportCommand.self, FetchCommand.self, ValidateCommand.self]
    )
}

/// Exit statuses of SPEC 3.8.
enum ExitStatus {
    static let usage: Int32 = 1
    static let output: Int32 = 2
}

@main
enum Main {
    static func main() async {
        if let refusal = SecretArguments.refusal(Array(CommandLine.arguments.dropFirst())) {
            Diagnostics.error(refusal)
            exit(ExitStatus.usage)
        }
        do {
            var command = try Chargeback.parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let e as ExitCode {
            exit(e.rawValue)
        } catch let e as OutputError {
            Diagnostics.error(e)
            exit(ExitStatus.output)
        } catch let e as any LocalizedError {
            Diagnostics.error(e)
            exit(ExitStatus.usage)
        } catch {
            // Help and --version exit 0 through ArgumentParser; every other parse error is a
            // usage error, exit 1 (ArgumentParser's own default would be 64).
            if Chargeback.exitCode(for: error) == .success { Chargeback.exit(withError: error) }
            Diagnostics.write(Chargeback.fullMessage(for: error) + "\n")
            exit(ExitStatus.usage)
        }
    }
}

/// Messages on standard error.
enum Diagnostics {
    static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    static func error(_ error: Error) {
        let message = (error as? LocalizedError)?.errorDescription ?? String(describing: error)
        write("chargeback: error: \(message)\n")
    }
}
