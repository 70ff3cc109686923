# Network for cells: the socket reactor alone (a C unit test), and the
# guest API's connect, listen and accept end to end over loopback, with
# guests only (tests/guests/net.c), so nothing but minos is needed.

add_executable(reactor_test unit/reactor_test.c)
target_link_libraries(reactor_test PRIVATE minos_runtime)
add_test(NAME reactor_test COMMAND reactor_test)
set_tests_properties(reactor_test PROPERTIES TIMEOUT 120)
