// Package domain holds the rules of the product: who a user is, what a login
// session is, how an order may move between states. It declares the ports it
// needs (small interfaces, implemented in adapters/) and the use cases that
// combine them (Login, Authenticate, Logout, ...).
//
// Nothing here knows about HTTP, SQL, fx or WeChat's wire format: adapters
// translate those into the types below, and one place in api/ maps the errors
// below to HTTP problems.
package domain
