extension StringProtocol {
    /// The lines of a process's output, split at `\n`, `\r\n` and `\r`. Swift reads `\r\n` as one character, so
    /// splitting at `"\n"` alone leaves a CLI's CRLF output (Windows-style, or a pty's) as one long line.
    public func outputLines(omittingEmpty: Bool = false) -> [SubSequence] {
        split(omittingEmptySubsequences: omittingEmpty, whereSeparator: \.isNewline)
    }
}
