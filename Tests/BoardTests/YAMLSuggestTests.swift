import Board
import Testing

@Suite("Suggest and Diagnostic")
struct YAMLSuggestTests {
    @Test("close words are suggested", arguments: [
        ("priorty", "priority"), ("hihg", "high"), ("HIGH", "high"), ("urgnet", "urgent"), ("lables", "labels"),
        ("blocked-by", "blocked_by"), ("acceptence", "acceptance"),
    ])
    func close(word: String, expected: String) {
        #expect(Suggest.closest(to: word, in: ["priority", "high", "urgent", "labels", "blocked_by", "acceptance", "low"]) == expected)
    }

    @Test("far words are not", arguments: ["whenever", "x", "", "zzzzzzz"])
    func far(word: String) {
        #expect(Suggest.closest(to: word, in: ["low", "medium", "high", "urgent"]) == nil)
    }

    @Test("the nearest candidate wins, the first one on a tie")
    func nearest() {
        #expect(Suggest.closest(to: "tesst", in: ["toast", "test"]) == "test")
        #expect(Suggest.closest(to: "tast", in: ["toast", "test", "task"]) == "toast")
    }

    @Test("a diagnostic prints like a compiler's")
    func description() {
        let location = SourceLocation(file: "board/tickets/MC-7K3Q/ticket.yaml", line: 4, column: 11)
        #expect(Diagnostic("priority must be one of low, medium, high, urgent (found 'hihg')", at: location,
                           hint: "did you mean 'high'?").description
            == "board/tickets/MC-7K3Q/ticket.yaml:4:11: error: priority must be one of low, medium, high, urgent (found 'hihg'); did you mean 'high'?")
        #expect(Diagnostic("unexpected file", at: location, severity: .warning).description
            == "board/tickets/MC-7K3Q/ticket.yaml:4:11: warning: unexpected file")
    }
}
