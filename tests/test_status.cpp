// Status and StatusOr: a value() on an error stops the process loudly instead of reading nothing;
// the exit code each tool gives a Status.
#include <doctest/doctest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <string>
#include <utility>

#include "bsq/exit_codes.h"
#include "bsq/status.h"

namespace {

// Runs fn in a forked child with stderr in a pipe (doctest has no death tests); returns the
// child's wait status and what it wrote to stderr.
template <typename Fn>
std::pair<int, std::string> run_in_child(Fn fn) {
  int pipe_fds[2];
  REQUIRE(pipe(pipe_fds) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);  // an expected abort leaves no core file behind
    dup2(pipe_fds[1], STDERR_FILENO);
    close(pipe_fds[0]);
    fn();
    _exit(0);
  }
  close(pipe_fds[1]);
  std::string text;
  char buffer[256];
  for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<size_t>(n));
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return {status, text};
}

bool aborted(int status) { return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT; }

}  // namespace

TEST_CASE("StatusOr: value() and -> give the value when there is one") {
  bsq::StatusOr<std::string> good(std::string("ready"));
  REQUIRE(good.ok());
  CHECK(good.value() == "ready");
  CHECK(good->size() == 5);
  CHECK(std::move(good).value() == "ready");
}

TEST_CASE("StatusOr: value() or -> on an error prints the status and aborts") {
  const bsq::StatusOr<int> bad(bsq::Status(bsq::StatusCode::kIoError, "cannot open 'x.bsq'"));
  REQUIRE_FALSE(bad.ok());
  const auto [status, text] = run_in_child([&] { std::printf("%d", bad.value()); });
  CHECK(aborted(status));
  CHECK(text == "bsq: StatusOr::value() on an error: cannot open 'x.bsq'\n");

  bsq::StatusOr<std::string> bad_string(bsq::Status(bsq::StatusCode::kInvalidData, "damaged"));
  const auto [arrow_status, arrow_text] = run_in_child([&] { std::printf("%zu", bad_string->size()); });
  CHECK(aborted(arrow_status));
  CHECK(arrow_text.find("damaged") != std::string::npos);
}

TEST_CASE("exit codes: one table for every tool, as the man pages' EXIT STATUS lists it") {
  CHECK(bsq::exit_code(bsq::StatusCode::kOk) == 0);
  CHECK(bsq::exit_code(bsq::StatusCode::kInternal) == 1);
  CHECK(bsq::exit_code(bsq::StatusCode::kInvalidArgument) == 2);
  CHECK(bsq::exit_code(bsq::StatusCode::kIoError) == 3);
  CHECK(bsq::exit_code(bsq::StatusCode::kInvalidData) == 4);
  CHECK(bsq::exit_code(bsq::StatusCode::kUnsupported) == 4);  // bsqtrain said 1 before the table was shared
  CHECK(bsq::exit_code(bsq::StatusCode::kModelMismatch) == 5);
}
