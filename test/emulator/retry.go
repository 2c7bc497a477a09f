package emulator

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// maxAttempts bounds how often a call whose connection broke is sent.
const maxAttempts = 3

// Retryer is the aws.Config Retryer for clients of the emulator. It retries a
// call only when its connection broke (reset, or closed under a response being
// read): moto's werkzeug server closes the connection after every answer
// (werkzeug 3 never keeps one alive) and now and then that close breaks the
// answer's read on our side; one such break failed a CI run in the middle of
// the deploy lane's verify. Any answer the emulator gives (an error code, a 500,
// throttling) is returned at once, so a failing call still fails its step
// without waiting out a backoff.
func Retryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = maxAttempts
		o.MaxBackoff = 100 * time.Millisecond
		o.Retryables = []retry.IsErrorRetryable{retry.IsErrorRetryableFunc(brokenConnection)}
		o.RateLimiter = ratelimit.None
	})
}

// Call sends a request no SDK client makes (moto's own endpoints, APIs a test
// signs by hand) and reads the whole answer, retrying a broken connection as
// Retryer does. A request with a body must have been built over a
// bytes.Reader or strings.Reader, so that http.NewRequest knows how to send
// the body again.
func Call(req *http.Request) (status int, body []byte, err error) {
	client := &http.Client{Timeout: 60 * time.Second}
	for attempt := 1; ; attempt++ {
		status, body, err = readAnswer(client, req)
		if err == nil || brokenConnection(err) != aws.TrueTernary || attempt == maxAttempts {
			return status, body, err
		}
		time.Sleep(time.Duration(attempt) * 50 * time.Millisecond)
		if req.GetBody != nil {
			b, err := req.GetBody()
			if err != nil {
				return 0, nil, err
			}
			req = req.Clone(req.Context())
			req.Body = b
		}
	}
}

// brokenConnection is the SDK's own test for a connection error, saying on
// stderr each time it holds: go test shows that output when the test fails
// (or with -v), so a lane that fails with "exceeded maximum number of
// attempts, 3" shows every break that led there.
func brokenConnection(err error) aws.Ternary {
	broken := (retry.RetryableConnectionError{}).IsErrorRetryable(err)
	if broken == aws.TrueTernary {
		fmt.Fprintf(os.Stderr, "emulator: the connection broke: %v\n", err)
	}
	return broken
}

func readAnswer(client *http.Client, req *http.Request) (int, []byte, error) {
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}
