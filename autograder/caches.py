"""What a long-lived grading worker keeps between students instead of rebuilding it each time.

nbgrader builds its converters anew for every student, and with them everything
they derive from constants: the validators of nbgrader's metadata schema, the
compiled Jinja templates of the feedback page. In a worker that grades hundreds
of students one after another that is most of the grader's own CPU time, so
keep_between_students() makes both survive from one student to the next. Both
caches are keyed on their input (the schema object; the template's source), so
a changed schema or template is rebuilt, never served stale.
"""
import jinja2


def keep_between_students():
    """Install both caches in this process (once; calling again changes nothing)."""
    _cache_schema_validators()
    _cache_compiled_templates()


def _cache_schema_validators():
    """Make jsonschema.validate build its validator once per schema.

    nbgrader checks every cell's metadata with jsonschema.validate(metadata, schema), which
    first checks the schema itself again: a tenth of a second of CPU per student, for a
    schema that is a constant of nbgrader. Invalid metadata raises the same ValidationError
    (jsonschema's best match), so nbgrader reports it as before.
    """
    import jsonschema

    plain = jsonschema.validate
    if getattr(plain, "keeps_validators", False):
        return
    validators = {}

    def validate(instance, schema, cls=None, *args, **kwargs):
        if cls is not None or args or kwargs or not isinstance(schema, dict):
            return plain(instance, schema, cls, *args, **kwargs)
        kept = validators.get(id(schema))
        if kept is None or kept[0] is not schema:  # kept[0] holds the schema, so its id stays its own
            validator_class = jsonschema.validators.validator_for(schema)
            validator_class.check_schema(schema)
            kept = validators[id(schema)] = (schema, validator_class(schema))
        error = jsonschema.exceptions.best_match(kept[1].iter_errors(instance))
        if error is not None:
            raise error

    validate.keeps_validators = True
    jsonschema.validate = validate


class TemplateBytecode(jinja2.BytecodeCache):
    """Jinja's compiled templates, kept in memory for every environment of this process.

    Jinja checks each entry against a checksum of the template's source and compiles
    again when they differ (jinja2.bccache.Bucket.load_bytecode); the key also holds
    what changes the compiled code between environments.
    """

    def __init__(self):
        self.compiled = {}

    def load_bytecode(self, bucket):
        code = self.compiled.get(self._key(bucket))
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket):
        self.compiled[self._key(bucket)] = bucket.bytecode_to_string()

    @staticmethod
    def _key(bucket):
        # The compiled code also depends on how the environment compiles (async or not, extensions).
        environment = bucket.environment
        return bucket.key, environment.is_async, tuple(sorted(environment.extensions))


def _cache_compiled_templates():
    """Give every nbconvert template environment one shared TemplateBytecode.

    Parsing and compiling nbconvert's HTML templates is over half of writing one
    student's feedback page, and nbgrader starts a fresh exporter for each student.
    """
    from nbconvert.exporters.templateexporter import TemplateExporter

    create = TemplateExporter._create_environment
    if getattr(create, "shared_bytecode", None) is not None:
        return
    shared = TemplateBytecode()

    def create_environment(self):
        environment = create(self)
        environment.bytecode_cache = shared
        return environment

    create_environment.shared_bytecode = shared
    TemplateExporter._create_environment = create_environment
