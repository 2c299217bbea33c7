package check

import (
	"fmt"
	"sort"
	"strings"

	"github.com/anishathalye/porcupine"
)

// model is a porcupine model of one key plus the rule that turns history
// ops into its inputs and outputs.
type model struct {
	porcupine porcupine.Model
	// convert returns what porcupine checks for op, or keep=false for an op
	// that constrains nothing (an indefinite read). Only ok and info ops
	// reach it; for info ops the output must be marked unknown, because
	// whatever the client saw (nothing) says nothing about the result.
	convert func(op Op) (input, output any, keep bool, err error)
}

// Model names accepted by Linearizable.
const (
	ModelRegister = "register"
	ModelCounter  = "counter"
	ModelSet      = "set"
)

func modelNamed(name string) (model, error) {
	switch name {
	case ModelRegister:
		return registerModel(), nil
	case ModelCounter:
		return counterModel(), nil
	case ModelSet:
		return setModel(), nil
	}
	return model{}, fmt.Errorf("unknown model %q (want %s)", name, strings.Join(ModelNames(), ", "))
}

// ModelNames lists the models Linearizable knows, sorted.
func ModelNames() []string {
	names := []string{ModelRegister, ModelCounter, ModelSet}
	sort.Strings(names)
	return names
}

// unknownText renders an output the checker does not know.
const unknownText = "?"
