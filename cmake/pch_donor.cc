// Compiled by coordcheck_pch and coordcheck_test_pch (root CMakeLists.txt), the targets that
// build the tree's two precompiled headers; it has no code of its own.
