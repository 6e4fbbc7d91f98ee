/**
 * Jest reporter that ends the run with one plain line, `tests: N passed, N failed, N skipped`,
 * so CI logs (and tools that read closing lines) see the totals of all three projects at once.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = results;
    process.stdout.write(`\ntests: ${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests + numTodoTests} skipped\n`);
  }
}

module.exports = SummaryReporter;
