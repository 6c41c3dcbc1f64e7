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
        // Past a file size limit (`ulimit -f`), write(2) then fails with EFBIG and the run
        // ends with exit 2 and a message, instead of being killed by SIGXFSZ mid-write.
        signal(SIGXFSZ, SIG_IGN)
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
    /// Best effort: a standard error that cannot be written (a full disk, a closed pipe) must
    /// not turn a finished run into a crash, as FileHandle.write would.
    static func write(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Foundation.write(STDERR_FILENO, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            bytes = bytes.dropFirst(n)
        }
    }

    static func error(_ error: Error) {
        let message = (error as? LocalizedError)?.errorDescription ?? String(describing: error)
        write("chargeback: error: \(message)\n")
    }
}
