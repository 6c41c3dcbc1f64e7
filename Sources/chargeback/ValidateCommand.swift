import ArgumentParser
import ChargebackKit
import Foundation

/// `chargeback validate`.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check an audit.xml file against the audit XML Schema.",
        discussion: """
            Prints each error with its line. The document is read without network access, entity \
            expansion or DTD loading; a DOCTYPE makes it invalid. Without --schema, \
            Templates/audit.xsd is looked up from the executable's directory upwards, then from \
            the current directory upwards.
            Exit status: 0 valid, 1 invalid or a usage error.
            """
    )

    @Argument(help: ArgumentHelp("The audit file to check.", valueName: "file.xml"))
    var file: String

    @Option(help: ArgumentHelp("The XML Schema to check against (default: Templates/audit.xsd).", valueName: "file.xsd"))
    var schema: String?

    func run() throws {
        let outcome = try ValidateRun.execute(
            document: file, schema: schema, workingDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
            executable: Bundle.main.executableURL)
        for diagnostic in outcome.validation.diagnostics {
            Diagnostics.write(diagnostic.description + "\n")
        }
        guard outcome.validation.isValid else {
            let errors = outcome.validation.diagnostics.filter { !$0.isWarning }.count
            Diagnostics.write("\(file): invalid against \(outcome.schema.path) (\(errors) error\(errors == 1 ? "" : "s"))\n")
            throw ExitCode(ExitStatus.usage)
        }
        print("\(file): valid against \(outcome.schema.path)")
    }
}
