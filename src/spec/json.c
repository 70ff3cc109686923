/* SPDX-License-Identifier: Apache-2.0 */
/* The tree is built from yajl's callbacks. yajl gives no positions, only
 * how far into the text it has read (just past the token it reports), so
 * each value's start is found by scanning back from there over the token,
 * whose shape its type tells. The whole text is given to yajl at once, so
 * offsets are offsets into it. */
#include "spec/json.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "core/escape.h"
#include "spec/name_index.h"

/* Deeper documents are refused: nothing in a spec nests beyond a handful
 * of levels, and json_free recurses. */
#define DEPTH_LIMIT 64
#define PATH_SIZE 256
/* Objects with more keys than this find duplicates through an index. */
#define KEYS_SCANNED 16

typedef struct frame {
  json_value *container;
  size_t path_length;   /* of the builder's path before this container's part */
  char *pending_key;    /* objects: the key whose value comes next */
  json_position key_at;
  bool duplicate;       /* the pending key was seen before in this object */
  bool orphan;          /* the value of a duplicate key: freed, not kept */
  name_index keys;      /* objects past KEYS_SCANNED keys: their keys */
} frame;

typedef struct tree_builder {
  yajl_handle handle;
  const char *text;
  size_t length;
  bool completing;      /* in yajl_complete_parse: offsets are no longer ours */
  size_t cached_offset; /* line and column of a recent offset, to go on from */
  json_position cached;
  frame stack[DEPTH_LIMIT];
  size_t depth;
  char path[PATH_SIZE];
  size_t path_length;
  json_value *root;
  const char *failure;  /* why a callback stopped the parse */
  json_error_function *report;
  void *context;
} tree_builder;

static json_position position_of(tree_builder *builder, size_t offset) {
  if (offset > builder->length) offset = builder->length;
  if (offset < builder->cached_offset) {
    builder->cached_offset = 0;
    builder->cached = (json_position){1, 1};
  }
  json_position at = builder->cached;
  for (size_t i = builder->cached_offset; i < offset; i++) {
    unsigned char byte = (unsigned char)builder->text[i];
    if (byte == '\n') {
      at.line++;
      at.column = 1;
    } else if ((byte & 0xC0) != 0x80) { /* not a UTF-8 continuation byte */
      at.column++;
    }
  }
  builder->cached_offset = offset;
  builder->cached = at;
  return at;
}

static size_t token_end(const tree_builder *builder) {
  return builder->completing ? builder->length : yajl_get_bytes_consumed(builder->handle);
}

/* The opening quote of the string that ends (closing quote included) at
 * end: the nearest quote before it not escaped by a backslash. */
static size_t string_start(const char *text, size_t end) {
  if (end < 2) return 0;
  for (size_t i = end - 2; i > 0; i--) {
    if (text[i] != '"') continue;
    size_t backslashes = 0;
    while (backslashes < i && text[i - 1 - backslashes] == '\\') backslashes++;
    if (backslashes % 2 == 0) return i;
  }
  return 0;
}

static size_t number_start(const char *text, size_t end) {
  size_t start = end;
  while (start > 0 && strchr("0123456789+-.eE", text[start - 1]) && text[start - 1] != '\0')
    start--;
  return start;
}

static json_position start_of_string(tree_builder *builder) {
  return position_of(builder, string_start(builder->text, token_end(builder)));
}

static json_position start_back(tree_builder *builder, size_t token_length) {
  size_t end = token_end(builder);
  return position_of(builder, end >= token_length ? end - token_length : 0);
}

static json_value *new_value(tree_builder *builder, json_type type, json_position at) {
  json_value *value = calloc(1, sizeof *value);
  if (!value) {
    builder->failure = "out of memory";
    return NULL;
  }
  value->type = type;
  value->at = at;
  return value;
}

/* Room for one more item. The capacity is not stored: it is the count
 * rounded up to a power of two, so doubling is due when the count is zero
 * or a power of two. */
static bool grow(void **items, size_t count, size_t item_size) {
  if (count & (count - 1)) return true;
  void *grown = realloc(*items, (count ? count * 2 : 1) * item_size);
  if (!grown) return false;
  *items = grown;
  return true;
}

static void path_append(tree_builder *builder, const char *part) {
  size_t room = sizeof builder->path - builder->path_length;
  int wrote = snprintf(builder->path + builder->path_length, room, "%s", part);
  if (wrote > 0) builder->path_length += (size_t)wrote < room ? (size_t)wrote : room - 1;
}

static const char *member_key(const void *object, size_t member) {
  return ((const json_value *)object)->object.members[member].key;
}

/* Keeps the newest member of top's object findable. */
static bool index_new_key(frame *top) {
  const json_value *object = top->container;
  size_t count = object->object.count;
  if (count < KEYS_SCANNED) return true;
  if (count > KEYS_SCANNED) return name_index_add(&top->keys, count - 1);
  name_index_init(&top->keys, member_key, object);
  for (size_t i = 0; i < count; i++)
    if (!name_index_add(&top->keys, i)) return false;
  return true;
}

static bool key_taken(const frame *top, const char *key) {
  if (top->container->object.count < KEYS_SCANNED)
    return json_object_member(top->container, key) != NULL;
  return name_index_find(&top->keys, key) >= 0;
}

/* Adds value to the container being built (or makes it the root). The
 * value of a duplicate key is not kept: containers go on being built,
 * as orphans, so that what is inside them is still checked. */
static bool attach(tree_builder *builder, json_value *value, bool *orphan) {
  *orphan = false;
  if (builder->depth == 0) {
    builder->root = value;
    return true;
  }
  frame *top = &builder->stack[builder->depth - 1];
  json_value *parent = top->container;
  if (parent->type == JSON_ARRAY) {
    if (!grow((void **)&parent->array.items, parent->array.count, sizeof *parent->array.items))
      goto out_of_memory;
    parent->array.items[parent->array.count++] = value;
    return true;
  }
  if (top->duplicate) {
    free(top->pending_key);
    *orphan = true;
  } else {
    if (!grow((void **)&parent->object.members, parent->object.count,
              sizeof *parent->object.members))
      goto out_of_memory;
    parent->object.members[parent->object.count++] =
        (json_member){top->pending_key, top->key_at, value};
    if (!index_new_key(top)) goto out_of_memory;
  }
  top->pending_key = NULL;
  top->duplicate = false;
  return true;
out_of_memory:
  builder->failure = "out of memory";
  return false;
}

static int add_scalar(tree_builder *builder, json_value *value) {
  bool orphan;
  if (!value) return 0;
  if (!attach(builder, value, &orphan)) {
    json_free(value);
    return 0;
  }
  if (orphan) json_free(value);
  return 1;
}

static int open_container(tree_builder *builder, json_type type) {
  if (builder->depth == DEPTH_LIMIT) {
    builder->failure = "nested too deeply";
    return 0;
  }
  json_value *value = new_value(builder, type, start_back(builder, 1));
  bool orphan;
  if (!value) return 0;
  size_t path_length = builder->path_length;
  if (builder->depth > 0) {
    const frame *top = &builder->stack[builder->depth - 1];
    if (top->container->type == JSON_ARRAY) {
      char index[32];
      snprintf(index, sizeof index, "[%zu]", top->container->array.count);
      path_append(builder, index);
    } else {
      if (builder->path_length) path_append(builder, ".");
      path_append(builder, top->pending_key);
    }
  }
  if (!attach(builder, value, &orphan)) {
    json_free(value);
    return 0;
  }
  builder->stack[builder->depth++] = (frame){.container = value, .path_length = path_length,
                                             .orphan = orphan};
  return 1;
}

static int close_container(void *context) {
  tree_builder *builder = context;
  frame *top = &builder->stack[--builder->depth];
  name_index_free(&top->keys);
  builder->path_length = top->path_length;
  builder->path[builder->path_length] = '\0';
  if (top->orphan) json_free(top->container);
  return 1;
}

static int on_null(void *context) {
  tree_builder *builder = context;
  return add_scalar(builder, new_value(builder, JSON_NULL, start_back(builder, 4)));
}

static int on_boolean(void *context, int boolean) {
  tree_builder *builder = context;
  json_value *value = new_value(builder, JSON_BOOLEAN, start_back(builder, boolean ? 4 : 5));
  if (value) value->boolean = boolean != 0;
  return add_scalar(builder, value);
}

static int on_number(void *context, const char *text, size_t length) {
  tree_builder *builder = context;
  size_t end = token_end(builder);
  json_value *value = new_value(builder, JSON_NUMBER,
                                position_of(builder, number_start(builder->text, end)));
  if (!value) return 0;
  value->number.text = strndup(text, length);
  if (!value->number.text) {
    free(value);
    builder->failure = "out of memory";
    return 0;
  }
  const char *written = value->number.text;
  value->number.real = strtod(written, NULL);
  if (!strpbrk(written, ".eE")) {
    errno = 0;
    value->number.integer = strtoll(written, NULL, 10);
    value->number.is_integer = errno == 0;
  }
  return add_scalar(builder, value);
}

/* The path of the value or key coming next in the container being built:
 * "cells.kv.args[2]", "cells.kv.env.KEY". */
static void next_path(const tree_builder *builder, const char *key, char *out, size_t size) {
  const char *separator = builder->path_length ? "." : "";
  if (builder->depth == 0)
    snprintf(out, size, "%s", "");
  else if (key)
    snprintf(out, size, "%.*s%s%s", (int)builder->path_length, builder->path, separator, key);
  else if (builder->stack[builder->depth - 1].container->type == JSON_ARRAY)
    snprintf(out, size, "%.*s[%zu]", (int)builder->path_length, builder->path,
             builder->stack[builder->depth - 1].container->array.count);
  else
    snprintf(out, size, "%.*s%s%s", (int)builder->path_length, builder->path, separator,
             builder->stack[builder->depth - 1].pending_key);
}

/* A key as a part of a path: its unsafe bytes as '?', so that the path
 * stays one C string (a NUL would end it) that prints as it reads. */
static void key_for_path(const unsigned char *text, size_t length, char *out, size_t size) {
  size_t used = 0;
  while (length > 0 && used + 1 < size) {
    size_t safe = escape_find_unsafe((const char *)text, length);
    size_t taken = safe < size - 1 - used ? safe : size - 1 - used;
    memcpy(out + used, text, taken);
    used += taken;
    if (taken < safe || safe == length || used + 1 >= size) break;
    out[used++] = '?';
    text += safe + 1;
    length -= safe + 1;
  }
  out[used] = '\0';
}

/* Every string of a spec, key or value, is printable UTF-8 text: a NUL
 * would cut a name where C reads it, and control characters, bidirectional
 * overrides and bytes that are not UTF-8 would act on whoever reads a
 * name in a log or on a terminal. Reported; the parse goes on. */
static void check_text(tree_builder *builder, const unsigned char *text, size_t length,
                       bool is_key, json_position at) {
  size_t unsafe = escape_find_unsafe((const char *)text, length);
  if (unsafe == length) return;
  char path[PATH_SIZE + 64], message[PATH_SIZE + 160], key[64], what[96];
  key_for_path(text, length, key, sizeof key);
  next_path(builder, is_key ? key : NULL, path, sizeof path);
  unsigned byte = text[unsafe];
  if (byte < 0x80)
    snprintf(what, sizeof what, "%s (0x%02x)", byte == 0 ? "a NUL" : "a control character", byte);
  else
    snprintf(what, sizeof what, "a control, a bidirectional override or bytes that are not "
             "UTF-8 (0x%02x...)", byte);
  snprintf(message, sizeof message,
           "the %s holds %s at byte %zu; spec text must be printable UTF-8",
           is_key ? "key" : "string", what, unsafe);
  builder->report(builder->context, path, at, message);
}

static int on_string(void *context, const unsigned char *text, size_t length) {
  tree_builder *builder = context;
  json_position at = start_of_string(builder);
  check_text(builder, text, length, false, at);
  json_value *value = new_value(builder, JSON_STRING, at);
  if (!value) return 0;
  value->string.text = malloc(length + 1);
  if (!value->string.text) {
    free(value);
    builder->failure = "out of memory";
    return 0;
  }
  memcpy(value->string.text, text, length);
  value->string.text[length] = '\0';
  value->string.length = length;
  return add_scalar(builder, value);
}

static int on_key(void *context, const unsigned char *text, size_t length) {
  tree_builder *builder = context;
  frame *top = &builder->stack[builder->depth - 1];
  char *key = strndup((const char *)text, length);
  if (!key) {
    builder->failure = "out of memory";
    return 0;
  }
  top->key_at = start_of_string(builder);
  check_text(builder, text, length, true, top->key_at);
  top->pending_key = key;
  top->duplicate = key_taken(top, key);
  if (top->duplicate) {
    char path[PATH_SIZE + 64], message[PATH_SIZE + 64];
    snprintf(path, sizeof path, "%.*s%s%s", (int)builder->path_length, builder->path,
             builder->path_length ? "." : "", key);
    snprintf(message, sizeof message, "duplicate key \"%s\" (it was given before)", key);
    builder->report(builder->context, path, top->key_at, message);
  }
  return 1;
}

static int on_start_map(void *context) { return open_container(context, JSON_OBJECT); }
static int on_start_array(void *context) { return open_container(context, JSON_ARRAY); }

static const yajl_callbacks callbacks = {
    .yajl_null = on_null,
    .yajl_boolean = on_boolean,
    .yajl_number = on_number,
    .yajl_string = on_string,
    .yajl_start_map = on_start_map,
    .yajl_map_key = on_key,
    .yajl_end_map = close_container,
    .yajl_start_array = on_start_array,
    .yajl_end_array = close_container,
};

/* Where a syntax error is: yajl has read just past the offending token,
 * or to the end of the text when the document stopped short. */
static json_position error_position(tree_builder *builder, yajl_status status) {
  size_t offset;
  if (builder->completing) {
    offset = builder->length;
    while (offset > 0 && strchr(" \t\r\n", builder->text[offset - 1])) offset--;
  } else {
    offset = yajl_get_bytes_consumed(builder->handle);
    if (offset > 0 && status == yajl_status_error) offset--;
  }
  return position_of(builder, offset);
}

static void report_syntax_error(tree_builder *builder, yajl_status status) {
  json_position at = error_position(builder, status);
  if (status == yajl_status_client_canceled) {
    builder->report(builder->context, "", at, builder->failure);
    return;
  }
  unsigned char *error = yajl_get_error(builder->handle, 0, (const unsigned char *)builder->text,
                                        builder->length);
  char message[256];
  snprintf(message, sizeof message, "%s", error ? (const char *)error : "malformed JSON");
  message[strcspn(message, "\n")] = '\0';
  if (error) yajl_free_error(builder->handle, error);
  builder->report(builder->context, "", at, message);
}

/* What a failed parse leaves: the tree so far and orphans on the stack. */
static void discard(tree_builder *builder) {
  for (size_t i = 0; i < builder->depth; i++) {
    free(builder->stack[i].pending_key);
    name_index_free(&builder->stack[i].keys);
    if (builder->stack[i].orphan) json_free(builder->stack[i].container);
  }
  json_free(builder->root);
  builder->root = NULL;
}

json_value *json_parse(const char *text, size_t length, json_error_function *report,
                       void *context) {
  tree_builder builder = {.text = text, .length = length, .cached = {1, 1},
                     .report = report, .context = context};
  builder.handle = yajl_alloc(&callbacks, NULL, &builder);
  if (!builder.handle) {
    report(context, "", builder.cached, "out of memory");
    return NULL;
  }
  yajl_status status = yajl_parse(builder.handle, (const unsigned char *)text, length);
  if (status == yajl_status_ok) {
    builder.completing = true;
    status = yajl_complete_parse(builder.handle);
  }
  if (status != yajl_status_ok) {
    report_syntax_error(&builder, status);
    discard(&builder);
  }
  yajl_free(builder.handle);
  return builder.root;
}

void json_free(json_value *value) {
  if (!value) return;
  switch (value->type) {
    case JSON_NUMBER: free(value->number.text); break;
    case JSON_STRING: free(value->string.text); break;
    case JSON_ARRAY:
      for (size_t i = 0; i < value->array.count; i++) json_free(value->array.items[i]);
      free(value->array.items);
      break;
    case JSON_OBJECT:
      for (size_t i = 0; i < value->object.count; i++) {
        free(value->object.members[i].key);
        json_free(value->object.members[i].value);
      }
      free(value->object.members);
      break;
    default: break;
  }
  free(value);
}

const json_member *json_object_member(const json_value *object, const char *key) {
  if (!object || object->type != JSON_OBJECT) return NULL;
  for (size_t i = 0; i < object->object.count; i++)
    if (strcmp(object->object.members[i].key, key) == 0) return &object->object.members[i];
  return NULL;
}

const json_value *json_object_get(const json_value *object, const char *key) {
  const json_member *member = json_object_member(object, key);
  return member ? member->value : NULL;
}

const char *json_type_name(json_type type) {
  static const char *const names[] = {"null", "true or false", "a number", "a string",
                                      "an array", "an object"};
  return type <= JSON_OBJECT ? names[type] : "?";
}
