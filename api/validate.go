package api

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	nethttpmiddleware "github.com/oapi-codegen/nethttp-middleware"

	"github.com/wxmp/wxmp/domain"
)

// validator checks every request against openapi.yaml (embedded in the
// generated code) before a handler runs: routes, parameters, bodies and the
// security requirements.
func validator(auth *domain.Authenticate, operators OperatorVerifier, errs errorResponder) (func(http.Handler) http.Handler, error) {
	spec, err := GetSwagger()
	if err != nil {
		return nil, err
	}
	spec.Servers = nil // match on paths only, whatever host the server is reached by
	return nethttpmiddleware.OapiRequestValidatorWithOptions(spec, &nethttpmiddleware.Options{
		Options: openapi3filter.Options{
			AuthenticationFunc: authenticator(auth, operators),
			// format: uuid is checked here like every other rule, so that a
			// bad id gets the same 400 with its pointer (a product_id of
			// "null" got a bare "not valid JSON" from the strict decoder).
			SchemaValidationOptions: []openapi3.SchemaValidationOption{
				openapi3.WithStringFormatValidator("uuid", openapi3.NewCallbackValidator(func(s string) error {
					if !uuidShape.MatchString(s) {
						return errors.New("not a UUID like 0190b2a4-7c1e-7d3a-9f00-2c5e8a1b4d6f")
					}
					return nil
				})),
			},
		},
		ErrorHandlerWithOpts: func(_ context.Context, err error, w http.ResponseWriter, r *http.Request, _ nethttpmiddleware.ErrorHandlerOpts) {
			respondInvalid(errs, w, r, err)
		},
		SilenceServersWarning: true,
	}), nil
}

// uuidShape is RFC 9562's, as kin-openapi spells it.
var uuidShape = regexp.MustCompile(openapi3.FormatOfStringForUUIDOfRFC9562)

const prefixInvalidContentType = "header Content-Type has unexpected value"

func respondInvalid(errs errorResponder, w http.ResponseWriter, r *http.Request, err error) {
	var (
		secErr   *openapi3filter.SecurityRequirementsError
		reqErr   *openapi3filter.RequestError
		tooLarge *http.MaxBytesError
	)
	switch {
	case errors.As(err, &secErr):
		// A token that does not resolve is the client's problem; a store
		// that does not answer is ours, and must not look like a logout.
		for _, e := range secErr.Errors {
			if !errors.Is(e, domain.ErrUnauthenticated) {
				errs.respond(w, r, e)
				return
			}
		}
		errs.respond(w, r, domain.ErrUnauthenticated)
	case errors.Is(err, routers.ErrMethodNotAllowed):
		writeProblem(w, r, newProblem(http.StatusMethodNotAllowed, ProblemCodeMethodNotAllowed, "This method is not allowed on this path."), 0)
	case errors.Is(err, routers.ErrPathNotFound):
		writeProblem(w, r, newProblem(http.StatusNotFound, ProblemCodeNotFound, "No such endpoint."), 0)
	case errors.As(err, &tooLarge):
		writeProblem(w, r, newProblem(http.StatusRequestEntityTooLarge, ProblemCodePayloadTooLarge, "The request body is too large."), 0)
	case errors.As(err, &reqErr) && reqErr.RequestBody != nil && strings.HasPrefix(reqErr.Reason, prefixInvalidContentType):
		writeProblem(w, r, newProblem(http.StatusUnsupportedMediaType, ProblemCodeUnsupportedMediaType, "Send the body as application/json."), 0)
	case errors.As(err, &reqErr):
		p := newProblem(http.StatusBadRequest, ProblemCodeInvalidRequest, "The request does not match the API contract.")
		fe := fieldError(reqErr)
		p.Errors = &[]FieldError{fe}
		writeProblem(w, r, p, 0)
	default:
		errs.respond(w, r, err)
	}
}

// fieldError says where and how a request broke the contract, without
// echoing back the offending value.
func fieldError(e *openapi3filter.RequestError) FieldError {
	var (
		pointer string
		detail  = e.Reason
		schErr  *openapi3.SchemaError
	)
	if e.Parameter != nil {
		pointer = e.Parameter.In + ":" + e.Parameter.Name
	}
	if errors.As(e, &schErr) {
		if p := schErr.JSONPointer(); len(p) > 0 {
			pointer = "/" + strings.Join(p, "/")
		} else if pointer == "" {
			pointer = "/"
		}
		detail = schErr.Reason
	}
	if detail == "" {
		detail = "invalid"
	}
	fe := FieldError{Detail: detail}
	if pointer != "" {
		fe.Pointer = &pointer
	}
	return fe
}
